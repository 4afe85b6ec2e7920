import Yams

/// A YAML value that remembers where it came from, so that every error can name its field and line.
///
/// Repository settings are formed by deep-merging a repository's mapping over `defaults`; each
/// node keeps the path and line it was written at, so an error points at the line to fix.
public indirect enum ConfigValue: Sendable {
    case scalar(String, isPlain: Bool)
    case sequence([ConfigNode])
    case mapping([(key: String, value: ConfigNode)])
    case null
}

/// A ``ConfigValue`` with its field path and line.
public struct ConfigNode: Sendable {
    public var value: ConfigValue
    public var path: String
    public var line: Int?

    public init(value: ConfigValue, path: String, line: Int?) {
        self.value = value
        self.path = path
        self.line = line
    }

    /// Converts a composed Yams node; keys must be scalars.
    init(yaml node: Node, path: String, file: String, issues: inout [ConfigIssue]) {
        let line = node.mark.map { $0.line }
        self.path = path
        self.line = line
        if node.anchor != nil {
            issues.append(ConfigIssue(file: file, path: path, line: line, message: "YAML anchors and aliases are not supported"))
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, node.tag.rawValue == Tag.Name.null.rawValue {
                value = .null
            } else {
                value = .scalar(scalar.string, isPlain: scalar.style == .plain)
            }
        case .sequence(let sequence):
            value = .sequence(
                sequence.enumerated().map { index, child in
                    ConfigNode(yaml: child, path: "\(path)[\(index)]", file: file, issues: &issues)
                })
        case .mapping(let mapping):
            var pairs: [(key: String, value: ConfigNode)] = []
            for (keyNode, child) in mapping {
                guard case .scalar(let key) = keyNode else {
                    issues.append(ConfigIssue(file: file, path: path, line: keyNode.mark?.line, message: "keys must be plain strings"))
                    continue
                }
                if pairs.contains(where: { $0.key == key.string }) {
                    issues.append(
                        ConfigIssue(file: file, path: ConfigNode.join(path, key.string), line: keyNode.mark?.line, message: "duplicate key"))
                    continue
                }
                pairs.append((key.string, ConfigNode(yaml: child, path: ConfigNode.join(path, key.string), file: file, issues: &issues)))
            }
            value = .mapping(pairs)
        case .alias:
            value = .null
            issues.append(ConfigIssue(file: file, path: path, line: line, message: "YAML aliases are not supported"))
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Deep-merges `override` over `self`: mappings merge key by key, anything else is replaced.
    public func merged(with override: ConfigNode) -> ConfigNode {
        guard case .mapping(let base) = value, case .mapping(let top) = override.value else { return override }
        var pairs = base
        for (key, node) in top {
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                pairs[index].value = pairs[index].value.merged(with: node)
            } else {
                pairs.append((key, node))
            }
        }
        return ConfigNode(value: .mapping(pairs), path: override.path, line: override.line)
    }

    /// A short name of the node's kind for error messages.
    var kindName: String {
        switch value {
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .null: "null"
        }
    }
}
