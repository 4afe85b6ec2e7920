/// The outcome of a seed or verify Job for one head commit, as the sink observes it.
public struct HookResult: Sendable, Hashable {
    public enum Stage: String, Sendable, Hashable, CaseIterable { case seed, verify }
    public enum State: String, Sendable, Hashable { case running, succeeded, failed }

    public var stage: Stage
    public var state: State
    /// Short and free of secrets, e.g. the Job's failure reason.
    public var detail: String

    public init(stage: Stage, state: State, detail: String) {
        self.stage = stage
        self.state = state
        self.detail = detail
    }

    /// The commit status context this stage reports under.
    public var context: CommitStatus.Context { stage == .seed ? .seed : .verify }
}

extension Sink {
    /// The environments of `repository`, filtered from ``environments()``; sinks that can select
    /// them more cheaply (the cluster, by label) do so.
    public func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] {
        try await environments().filter { $0.key.repository == repository }
    }

    /// Hook Jobs of `key` at `sha`; a sink that runs no Jobs reports none.
    public func hookResults(_ key: PreviewKey, sha: String) async throws -> [HookResult] { [] }
    /// Removes what the sink owns but no preview claims (e.g. a namespace whose PreviewEnvironment
    /// is gone); returns a line per removal. A sink without such leftovers removes nothing.
    public func reapOrphans() async throws -> [String] { [] }
}
