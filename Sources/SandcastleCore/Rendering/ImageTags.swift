import Foundation

/// The tags a preview's images are resolved from (`images` rules with a `tag` template), and the
/// lock file form of pins. Pure: the registry is asked by an adapter (``ImageResolving``).
public enum ImageTags {
    /// One image to resolve: `name:tag` for this commit.
    public struct Request: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var tag: String

        public init(name: String, tag: String) {
            self.name = name
            self.tag = tag
        }

        public var description: String { "\(name):\(tag)" }
        /// A tag that names the commit cannot move to another image: cached for good.
        public func isImmutable(sha: String) -> Bool { tag.contains(sha) || tag.contains(sha.prefix(7)) }
    }

    /// The tags to resolve for `key` at `sha`; throws naming the rule whose tag renders invalid.
    public static func requests(key: PreviewKey, sha: String, settings: PreviewSettings) throws(RenderError) -> [Request] {
        let variables = [
            "number": String(key.number), "sha": sha, "shortSha": String(sha.prefix(7)), "owner": key.repository.owner, "repo": key.repository.name,
        ]
        var requests: [Request] = []
        for pin in settings.images {
            guard let template = pin.tag else { continue }
            let tag = (try? template.render(variables)) ?? ""
            guard isValidTag(tag) else {
                throw RenderError("the tag template '\(template.source)' of \(pin.name) renders to '\(tag)', which is not a valid tag")
            }
            requests.append(Request(name: pin.name, tag: tag))
        }
        return requests
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, as the OCI Distribution spec defines a tag.
    public static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.unicodeScalars.count <= 128 else { return false }
        func allowed(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_") }
        return allowed(first) && tag.unicodeScalars.allSatisfy { allowed($0) || $0 == "." || $0 == "-" }
    }

    /// Largest lock file read (the PR writes it: untrusted).
    public static let maxLockFileBytes = 256 * 1024

    /// Reads the lock file at `path` of the checkout: a symbolic link must stay inside the checkout
    /// (a PR could otherwise point it at a controller file and have its lines quoted back on the
    /// PR), and it must be a regular file of at most ``maxLockFileBytes``, checked before reading.
    public static func readLockFile(_ path: String, inside checkout: String) throws(RenderError) -> [ImagePin] {
        let resolved: String
        do {
            resolved = try BundleFiles.directory(inside: checkout, at: path)
        } catch {
            throw RenderError("images.lockFile '\(path)' leads outside the repository (through a symbolic link); it must be a file in it")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw RenderError("the image lock file \(path) is missing (or is not a regular file)")
        }
        guard let size = attributes?[.size] as? Int, size <= maxLockFileBytes, let data = FileManager.default.contents(atPath: resolved) else {
            throw RenderError("the image lock file \(path) is larger than \(maxLockFileBytes) bytes")
        }
        return try lockFile(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Pins from a lock file: a YAML list (or one per line) of `name@sha256:…`; comments and blank
    /// lines are ignored. A malformed entry is an error naming the file and line.
    public static func lockFile(_ text: String, file: String) throws(RenderError) -> [ImagePin] {
        var pins: [ImagePin] = []
        var issues: [RenderError.Issue] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("- ") { line = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
            line = line.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            guard !line.isEmpty, line != "---" else { continue }
            guard let reference = ImageReference(parsing: line), let digest = reference.digest, reference.tag == nil else {
                issues.append(.init(location: "\(file):\(index + 1)", message: "'\(line)' is not name@sha256:<64 hex digits>"))
                continue
            }
            pins.append(ImagePin(name: reference.name, digest: digest))
        }
        guard issues.isEmpty else { throw RenderError("the image lock file is malformed; nothing was rendered", issues: issues) }
        return pins
    }
}

/// Reads digests from a container registry (an adapter implements it over the OCI Distribution API).
public protocol ImageResolving: Sendable {
    /// The digest `name:tag` points at (the index digest for a multi-architecture image).
    func digest(of request: ImageTags.Request, immutable: Bool) async throws -> String
}

/// Why an image could not be resolved; `notFound` means "not pushed yet": wait and retry.
public enum ImageResolutionError: Error, Sendable, Equatable, CustomStringConvertible, ClassifiedError {
    case notFound(String)
    /// The registry refused the credentials (named, never printed).
    case unauthorized(image: String, host: String, status: Int, credentials: String)
    case unreachable(host: String, reason: String)
    case malformed(image: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let image): "\(image) is not in the registry yet"
        case .unauthorized(let image, let host, let status, let credentials):
            "registry \(host) refused to resolve \(image) (HTTP \(status)) with \(credentials); check that they may pull it"
        case .unreachable(let host, let reason): "cannot reach registry \(host): \(reason)"
        case .malformed(let image, let reason): "registry answer for \(image) is malformed: \(reason)"
        }
    }

    public var disposition: ErrorDisposition {
        switch self {
        case .notFound: .waiting
        case .unauthorized, .malformed: .stalled
        case .unreachable: .transient
        }
    }

    public var statusContext: CommitStatus.Context { .deploy }
}
