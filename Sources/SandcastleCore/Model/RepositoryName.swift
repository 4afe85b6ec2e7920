/// A GitHub repository, `owner/name`, compared case-insensitively as GitHub does.
public struct RepositoryName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The owner (user or organisation) as written.
    public let owner: String
    /// The repository name as written.
    public let name: String
    /// The lowercased `owner/name`, the identity GitHub uses; computed once, since keys are
    /// compared and hashed on every queue and planner operation.
    public let canonical: String

    /// Creates a name without validation; use ``init(parsing:)`` for untrusted text.
    public init(owner: String, name: String) {
        self.owner = owner
        self.name = name
        self.canonical = "\(owner)/\(name)".lowercased()
    }

    private enum CodingKeys: String, CodingKey { case owner, name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(owner: try container.decode(String.self, forKey: .owner), name: try container.decode(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(owner, forKey: .owner)
        try container.encode(name, forKey: .name)
    }

    /// Parses `owner/name`, accepting only the characters GitHub allows.
    ///
    /// Owners are letters, digits and single hyphens (at most 39 characters); names are letters,
    /// digits, `.`, `_` and `-` (at most 100 characters, not `.` or `..`).
    public init?(parsing text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2 else { return nil }
        let owner = String(pieces[0]), name = String(pieces[1])
        guard RepositoryName.isValidOwner(owner), RepositoryName.isValidName(name) else { return nil }
        self.init(owner: owner, name: name)
    }

    /// `owner/name` as written.
    public var description: String { "\(owner)/\(name)" }

    public static func == (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.canonical == rhs.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }
    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.canonical < rhs.canonical }

    static func isValidOwner(_ owner: String) -> Bool {
        guard (1...39).contains(owner.count), !owner.hasPrefix("-"), !owner.hasSuffix("-") else { return false }
        return owner.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }
    }

    static func isValidName(_ name: String) -> Bool {
        guard (1...100).contains(name.count), name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || "._-".unicodeScalars.contains($0) }
    }
}
