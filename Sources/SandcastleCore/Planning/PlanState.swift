import Foundation

/// What the forge says about one pull request in this pass, and how much that proves.
public enum PullRequestObservation: Sendable, Hashable {
    /// A per-PR read: authoritative, enough to justify a teardown.
    case read(PullRequestSnapshot)
    /// An entry of a complete listing of open PRs: enough to create or update, not to tear down.
    case listed(PullRequestSnapshot)
    /// Missing from a complete listing of open PRs: not proof of closure.
    case notListed
    /// A per-PR read answered 404: not proof of closure either.
    case notFound
    /// The read or listing failed; nothing can be concluded.
    case unavailable(String)
}

/// The rendered content a preview should have, at which head commit.
public struct RenderSummary: Sendable, Hashable {
    public var sha: String
    public var contentHash: String
    /// The hook Jobs of the render, run in order once the preview is ready.
    public var hooks: [HookSpec]

    public init(sha: String, contentHash: String, hooks: [HookSpec] = []) {
        self.sha = sha
        self.contentHash = contentHash
        self.hooks = hooks
    }
}

/// A preview environment that exists in the sink.
public struct ObservedEnvironment: Sendable, Hashable {
    public var key: PreviewKey
    public var namespace: String
    public var sha: String
    public var contentHash: String
    public var createdAt: Date
    /// The last apply completed and the environment is healthy; `false` for one left half-applied
    /// (a crash mid-apply) or marked failed, which resync hands back to the reconciler.
    public var converged: Bool
    /// What the forge was last told lags what the environment records (a crash between the two
    /// writes): see ``ResyncPolicy/reportLags(phase:sha:reported:)``.
    public var reportLags: Bool

    public init(
        key: PreviewKey, namespace: String, sha: String, contentHash: String, createdAt: Date, converged: Bool = true, reportLags: Bool = false
    ) {
        self.key = key
        self.namespace = namespace
        self.sha = sha
        self.contentHash = contentHash
        self.createdAt = createdAt
        self.converged = converged
        self.reportLags = reportLags
    }
}
