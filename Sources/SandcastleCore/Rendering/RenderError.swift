/// A bundle that cannot be rendered, with every problem found.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    /// One problem: where (file, object) and what.
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        public var location: String
        public var message: String

        public init(location: String, message: String) {
            self.location = location
            self.message = message
        }

        public var description: String { location.isEmpty ? message : "\(location): \(message)" }
    }

    public var summary: String
    public var issues: [Issue]

    public init(_ summary: String, issues: [Issue] = []) {
        self.summary = summary
        self.issues = issues
    }

    public var description: String {
        ([summary] + issues.map { "  " + $0.description }).joined(separator: "\n")
    }
}
