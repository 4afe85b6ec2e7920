/// Runs work for one key at a time, in the order it was asked for (different keys run at once):
/// e.g. the fetches of one repository's shared git mirror, or the admissions of one repository.
public actor Turns<Key: Hashable & Sendable> {
    private var last: [Key: Task<Void, Never>] = [:]

    public init() {}

    /// Runs `body` after every earlier turn of `key` has finished (successfully or not).
    public func inTurn<T: Sendable>(_ key: Key, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = last[key]
        let turn = Task<T, any Error> {
            await previous?.value
            return try await body()
        }
        last[key] = Task { _ = try? await turn.value }
        return try await turn.value
    }
}
