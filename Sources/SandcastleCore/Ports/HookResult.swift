import Foundation

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
    /// The Job's name (for `kubectl logs job/<name>`); empty when unknown.
    public var job: String
    /// When the Job started and finished, as its status says.
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The failed container's termination message (its last output with
    /// `FallbackToLogsOnError`): written by the PR's code, so untrusted and shown only escaped.
    public var output: String?

    public init(
        stage: Stage, state: State, detail: String, job: String = "", startedAt: Date? = nil, finishedAt: Date? = nil, output: String? = nil
    ) {
        self.stage = stage
        self.state = state
        self.detail = detail
        self.job = job
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.output = output
    }
}
