import SandcastleCore

/// Runs work for one repository one piece at a time (different repositories run at once): two
/// PRs admitted at the same moment must not both claim the repository's last free slot.
actor RepositoryTurns {
    private var last: [RepositoryName: Task<Void, Never>] = [:]

    /// Runs `body` after every earlier turn of `repository` has finished.
    func inTurn<T: Sendable>(_ repository: RepositoryName, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = last[repository]
        let turn = Task<T, any Error> {
            await previous?.value
            return try await body()
        }
        last[repository] = Task { _ = try? await turn.value }
        return try await turn.value
    }
}
