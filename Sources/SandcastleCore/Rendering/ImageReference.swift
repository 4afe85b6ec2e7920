/// A container image reference: `name[:tag][@digest]`.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Registry and repository path, e.g. `ghcr.io/acme/shop`.
    public var name: String
    public var tag: String?
    public var digest: String?

    /// Parses a reference; `nil` when it is empty, has whitespace or uppercase in the path, or a bad digest.
    public init?(parsing text: String) {
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = String(rest[rest.index(after: at)...])
            guard ImageReference.isDigest(digest) else { return nil }
            self.digest = digest
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tag = String(rest[rest.index(after: colon)...])
            guard !tag.isEmpty, tag.count <= 128 else { return nil }
            self.tag = tag
            rest = rest[..<colon]
        }
        let path = lastSlash.map { _ in rest.drop { $0 != "/" } } ?? rest
        guard !rest.isEmpty, !path.contains(where: \.isUppercase), !rest.hasSuffix("/") else { return nil }
        name = String(rest)
    }

    /// No tag and no digest.
    public var isBare: Bool { tag == nil && digest == nil }

    public var description: String {
        name + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    /// `sha256:` followed by 64 lowercase hex digits.
    public static func isDigest(_ text: String) -> Bool {
        guard text.hasPrefix("sha256:") else { return false }
        let hex = text.dropFirst(7)
        return hex.count == 64 && hex.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
}

/// Rewrites container images to digests.
public enum ImagePinning {
    /// The pod spec inside an object of `kind`, as a path of keys.
    static func podSpecPath(kind: String) -> [String]? {
        switch kind {
        case "Pod": ["spec"]
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController": ["spec", "template", "spec"]
        case "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"]
        default: nil
        }
    }

    /// Pins every container whose image name matches a pin with a digest; returns the images left unpinned.
    public static func pin(_ manifest: inout Manifest, pins: [ImagePin]) -> [String] {
        let digests = Dictionary(pins.compactMap { pin in pin.digest.map { (pin.name, $0) } }, uniquingKeysWith: { $1 })
        var unpinned: [String] = []
        guard let path = podSpecPath(kind: manifest.kind) else { return [] }
        manifest.object = rewrite(manifest.object, path: path[...]) { spec in
            var spec = spec
            for field in ["initContainers", "containers", "ephemeralContainers"] {
                guard let containers = spec[field]?.array else { continue }
                spec[field] = .array(
                    containers.map { item in
                        guard var container = item.object, let image = container["image"]?.string else { return item }
                        guard let ref = ImageReference(parsing: image) else { unpinned.append(image); return item }
                        if let digest = digests[ref.name] {
                            container["image"] = .string("\(ref.name)@\(digest)")
                        } else if ref.digest == nil {
                            unpinned.append(image)
                        }
                        return .object(container)
                    })
            }
            return spec
        }
        return unpinned
    }

    /// Every container image of the object's pod spec.
    public static func images(of manifest: Manifest) -> [String] {
        guard let path = podSpecPath(kind: manifest.kind) else { return [] }
        var current = manifest.object
        for key in path {
            guard let next = current[key]?.object else { return [] }
            current = next
        }
        return ["initContainers", "containers", "ephemeralContainers"].flatMap { field in
            (current[field]?.array ?? []).compactMap { $0.object?["image"]?.string }
        }
    }

    private static func rewrite(
        _ object: ManifestObject, path: ArraySlice<String>, _ body: (ManifestObject) -> ManifestObject
    ) -> ManifestObject {
        guard let key = path.first else { return body(object) }
        guard let child = object[key]?.object else { return object }
        var copy = object
        copy[key] = .object(rewrite(child, path: path.dropFirst(), body))
        return copy
    }
}
