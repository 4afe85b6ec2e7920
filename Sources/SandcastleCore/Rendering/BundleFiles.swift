import Foundation

/// The files of a bundle directory, read once, with `{{ }}` placeholders substituted in YAML files.
///
/// Bundle content comes from an untrusted PR: symbolic links that leave the bundle, unknown
/// variables and unreadable files are errors that name the file and line.
public struct BundleFiles: Sendable {
    /// One file, by its path relative to the bundle root.
    public struct File: Sendable {
        public var path: String
        public var data: Data

        public init(path: String, data: Data) {
            self.path = path
            self.data = data
        }

        public var isYAML: Bool { path.hasSuffix(".yaml") || path.hasSuffix(".yml") }
        /// The file is a Kustomization (at any depth).
        var isKustomization: Bool { BundleFiles.kustomizationNames.contains((path as NSString).lastPathComponent) }
    }

    public var files: [File]

    public init(files: [File]) { self.files = files }

    /// The file names Kustomize reads as a kustomization.
    static let kustomizationNames: Set<String> = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// Largest single file read from a bundle; bundle content is untrusted.
    public static let maxFileBytes = 4 * 1024 * 1024
    /// Largest bundle, all files together.
    public static let maxTotalBytes = 16 * 1024 * 1024

    /// The bundle directory `path` of the repository checked out at `checkout`, resolved: a symbolic
    /// link at any level of it must stay inside the checkout (a PR could otherwise point its bundle
    /// at `/etc` and have its listing reported on the PR).
    public static func directory(inside checkout: String, at path: String) throws(RenderError) -> String {
        let root = URL(fileURLWithPath: checkout).standardizedFileURL.resolvingSymlinksInPath().path
        // Links are resolved on the deepest part that exists (a missing tail cannot be resolved).
        var existing = URL(fileURLWithPath: root + "/" + path).standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path.count > root.count {
            tail.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        let resolved = ([existing.resolvingSymlinksInPath().path] + tail).joined(separator: "/")
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            throw RenderError("bundle.path '\(path)' leads outside the repository (through a symbolic link); the bundle must be a directory in it")
        }
        return resolved
    }

    /// Reads every regular file under `directory` (sorted by path) and substitutes variables in YAML
    /// files unless `substituting` is off (a Helm chart's templates are Helm's to render).
    public static func read(directory: String, variables: [String: String], substituting: Bool = true) throws(RenderError) -> BundleFiles {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RenderError("bundle directory '\(directory)' does not exist or is not a directory")
        }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        guard let paths = try? fm.subpathsOfDirectory(atPath: root) else {
            throw RenderError("cannot list bundle directory '\(directory)'")
        }
        var files: [File] = []
        var issues: [RenderError.Issue] = []
        var total = 0
        let known = Set(variables.keys)
        for relative in paths.sorted() {
            let full = root + "/" + relative
            let resolved = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
            guard resolved == root || resolved.hasPrefix(root + "/") else {
                issues.append(.init(location: relative, message: "symbolic link points outside the bundle"))
                continue
            }
            var dir: ObjCBool = false
            guard fm.fileExists(atPath: resolved, isDirectory: &dir), !dir.boolValue else { continue }
            let size = (try? fm.attributesOfItem(atPath: resolved)[.size] as? Int) ?? 0
            guard size <= maxFileBytes else {
                issues.append(.init(location: relative, message: "\(size) bytes; bundle files may be at most \(maxFileBytes) bytes"))
                continue
            }
            total += size
            guard total <= maxTotalBytes else {
                issues.append(.init(location: relative, message: "the bundle exceeds \(maxTotalBytes) bytes in all"))
                break
            }
            guard let data = fm.contents(atPath: resolved) else {
                issues.append(.init(location: relative, message: "cannot read the file"))
                continue
            }
            var file = File(path: relative, data: data)
            if file.isYAML, substituting {
                guard let text = String(data: data, encoding: .utf8) else {
                    issues.append(.init(location: relative, message: "not UTF-8 text"))
                    continue
                }
                do {
                    let template = try Template(parsing: text)
                    let unknown = template.unknownVariables(known: known)
                    for (name, line) in unknown {
                        issues.append(
                            .init(
                                location: "\(relative):\(line)",
                                message: "unknown variable '{{ \(name) }}'; known: \(known.sorted().joined(separator: ", "))"))
                    }
                    if unknown.isEmpty { file.data = Data(try template.render(variables).utf8) }
                } catch {
                    issues.append(.init(location: "\(relative):\(error.line)", message: error.message))
                }
            }
            files.append(file)
        }
        guard issues.isEmpty else { throw RenderError("the bundle in '\(directory)' has \(issues.count) problem(s)", issues: issues) }
        guard files.contains(where: \.isYAML) else { throw RenderError("bundle directory '\(directory)' holds no .yaml or .yml files") }
        return BundleFiles(files: files)
    }

    /// Parses the YAML files as plain manifests (for `bundle.kind: manifests`).
    public func manifests() throws(RenderError) -> [Manifest] {
        var out: [Manifest] = []
        var issues: [RenderError.Issue] = []
        for file in files where file.isYAML {
            if file.isKustomization {
                issues.append(.init(location: file.path, message: "a kustomization file in a 'manifests' bundle; set bundle.kind: kustomize"))
                continue
            }
            do {
                for document in try ManifestYAML.parseDocuments(String(decoding: file.data, as: UTF8.self)) {
                    guard let object = document.object else {
                        issues.append(.init(location: file.path, message: "a document that is not a mapping"))
                        continue
                    }
                    out.append(Manifest(object: object, source: file.path))
                }
            } catch {
                issues.append(.init(location: error.line.map { "\(file.path):\($0)" } ?? file.path, message: error.message))
            }
        }
        guard issues.isEmpty else { throw RenderError("the bundle's manifests cannot be read", issues: issues) }
        return out
    }

    /// Writes the (substituted) files under `directory`.
    func write(to directory: String) throws(RenderError) {
        let fm = FileManager.default
        for file in files {
            let target = directory + "/" + file.path
            do {
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try file.data.write(to: URL(fileURLWithPath: target))
            } catch {
                throw RenderError("cannot write '\(target)': \(error.localizedDescription)")
            }
        }
    }
}
