/// The outcome of a seed or verify Job for one head commit, as the sink observes it.
public struct HookResult: Sendable, Hashable {
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        case seed, verify

        /// The commit status context this stage reports under.
        public var context: CommitStatus.Context { self == .seed ? .seed : .verify }
    }
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
}
