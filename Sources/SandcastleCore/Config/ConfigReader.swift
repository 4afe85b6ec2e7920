/// Reads typed fields out of ``ConfigNode`` mappings, collecting every problem instead of stopping
/// at the first, and reporting keys nobody asked for as unknown.
public struct ConfigReader {
    public let file: String
    public private(set) var issues: [ConfigIssue] = []

    public init(file: String) { self.file = file }

    /// Records a problem at `node`.
    public mutating func fail(_ node: ConfigNode, _ message: String) {
        issues.append(ConfigIssue(file: file, path: node.path, line: node.line, message: message))
    }

    /// Records a problem at a path without a node.
    public mutating func fail(path: String, line: Int?, _ message: String) {
        issues.append(ConfigIssue(file: file, path: path, line: line, message: message))
    }

    mutating func append(_ more: [ConfigIssue]) { issues += more }

    /// Opens `node` as a mapping; `allowed` keys are the only ones accepted.
    public mutating func mapping(_ node: ConfigNode, allowed: [String]) -> Fields? {
        switch node.value {
        case .mapping(let pairs):
            for (key, child) in pairs where !allowed.contains(key) {
                let hint = ConfigReader.closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                fail(child, "unknown key '\(key)'\(hint); expected one of: \(allowed.joined(separator: ", "))")
            }
            return Fields(node: node, pairs: pairs)
        case .null:
            return Fields(node: node, pairs: [])
        default:
            fail(node, "expected a mapping, found \(node.kindName)")
            return nil
        }
    }

    public mutating func string(_ node: ConfigNode) -> String? {
        guard case .scalar(let text, _) = node.value else {
            fail(node, "expected a string, found \(node.kindName)")
            return nil
        }
        return text
    }

    public mutating func bool(_ node: ConfigNode) -> Bool? {
        if case .scalar(let text, true) = node.value {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        fail(node, "expected true or false")
        return nil
    }

    public mutating func int(_ node: ConfigNode, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, true) = node.value, let value = Int(text) else {
            fail(node, "expected a whole number")
            return nil
        }
        guard range.contains(value) else {
            fail(node, "expected a number from \(range.lowerBound) to \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    public mutating func duration(_ node: ConfigNode) -> ConfigDuration? {
        guard let text = string(node) else { return nil }
        guard let duration = ConfigDuration(parsing: text) else {
            fail(node, "'\(text)' is not a duration; expected a number and a unit (s, m, h, d, w), like 72h, 30m or 7d")
            return nil
        }
        return duration
    }

    public mutating func strings(_ node: ConfigNode) -> [String]? {
        guard case .sequence(let items) = node.value else {
            fail(node, "expected a list of strings, found \(node.kindName)")
            return nil
        }
        return items.compactMap { string($0) }
    }

    public mutating func sequence(_ node: ConfigNode) -> [ConfigNode]? {
        if case .null = node.value { return [] }
        guard case .sequence(let items) = node.value else {
            fail(node, "expected a list, found \(node.kindName)")
            return nil
        }
        return items
    }

    public mutating func choice<T: RawRepresentable & CaseIterable>(_ node: ConfigNode, as type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(node) else { return nil }
        guard let value = T(rawValue: text) else {
            fail(node, "'\(text)' is not allowed; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// A string-to-string mapping (labels, quota resources, values).
    public mutating func stringMap(_ node: ConfigNode) -> [String: String]? {
        guard case .mapping(let pairs) = node.value else {
            if case .null = node.value { return [:] }
            fail(node, "expected a mapping of names to values, found \(node.kindName)")
            return nil
        }
        var out: [String: String] = [:]
        for (key, child) in pairs { if let value = string(child) { out[key] = value } }
        return out
    }

    static func closest(to key: String, in allowed: [String]) -> String? {
        let lower = key.lowercased()
        return allowed.first { $0.lowercased() == lower || editDistance($0.lowercased(), lower) <= 2 }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// The fields of one mapping being read.
public struct Fields {
    public let node: ConfigNode
    let pairs: [(key: String, value: ConfigNode)]

    /// The child at `key`, when present.
    public subscript(_ key: String) -> ConfigNode? { pairs.first { $0.key == key }?.value }

    /// The path a missing `key` would have.
    public func path(_ key: String) -> String { ConfigNode.join(node.path, key) }
}
