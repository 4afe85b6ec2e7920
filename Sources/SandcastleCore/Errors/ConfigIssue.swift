/// One problem in an input file: where it is and what was expected.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    /// The field path, e.g. `repositories[1].trigger.labels`; empty for the whole document.
    public var path: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(file: String, path: String, line: Int?, message: String) {
        self.file = file
        self.path = path
        self.line = line
        self.message = message
    }

    /// `file:line: path: message`.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// A configuration that cannot be used; lists every problem found, in file order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) { self.issues = issues }

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "invalid configuration (\(count)):\n" + issues.map { "  " + $0.description }.joined(separator: "\n")
    }
}
