/// The identity of one preview: a pull request of a repository.
///
/// This is the work-queue key; everything about a preview is derived from it and current state.
public struct PreviewKey: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let repository: RepositoryName
    public let number: Int

    public init(repository: RepositoryName, number: Int) {
        self.repository = repository
        self.number = number
    }

    public var description: String { "\(repository)#\(number)" }

    public static func < (lhs: PreviewKey, rhs: PreviewKey) -> Bool {
        (lhs.repository, lhs.number) < (rhs.repository, rhs.number)
    }
}
