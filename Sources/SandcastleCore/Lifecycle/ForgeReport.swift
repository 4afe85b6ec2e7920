import Foundation

/// Everything the forge should show about a preview now: the `sandcastle/deploy` status, the
/// hook statuses, the GitHub Deployment and the sticky comment, derived from one value so they agree.
public struct ForgeReport: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case queued(position: Int, of: Int)
        /// Applied (or applying) and not ready yet: why.
        case deploying(String)
        case ready
        /// Will not become ready without a change: why, and the problems one per line.
        case failed(String, context: CommitStatus.Context, problems: [String])
        /// Everything is gone.
        case tornDown(reason: String, namespace: String, at: Date)
    }

    public var key: PreviewKey
    public var sha: String
    public var kind: Kind
    public var url: String?
    public var hooks: [PreviewComment.Stage]
    public var notice: String?
    public var expiresAt: Date?
    /// Seconds each stage took (`apply`, `rollout`), shown in the comment once ready.
    public var durations: [PreviewComment.StageTime]
    /// The last output of each failed hook, shown collapsed in the comment.
    public var hookOutputs: [PreviewComment.HookOutput] = []

    public init(
        key: PreviewKey, sha: String, kind: Kind, url: String? = nil, hooks: [PreviewComment.Stage] = [], notice: String? = nil,
        expiresAt: Date? = nil, durations: [PreviewComment.StageTime] = []
    ) {
        self.key = key
        self.sha = sha
        self.kind = kind
        self.url = url
        self.hooks = hooks
        self.notice = notice
        self.expiresAt = expiresAt
        self.durations = durations
    }

    public static func == (a: Self, b: Self) -> Bool { a.record == b.record && a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(record) }

    /// The `sandcastle/deploy` status.
    public var deployStatus: CommitStatus? {
        switch kind {
        case .queued(let position, let total):
            CommitStatus(context: .deploy, state: .pending, description: "Queued: position \(position) of \(total) for a free preview slot")
        case .deploying(let why): CommitStatus(context: .deploy, state: .pending, description: "Deploying: \(why)")
        case .ready: CommitStatus(context: .deploy, state: .success, description: "Ready at \(url ?? "")", targetURL: url)
        case .failed(let why, _, _): CommitStatus(context: .deploy, state: .failure, description: why)
        case .tornDown: nil
        }
    }

    /// The GitHub Deployment's state.
    public var deployment: DeploymentUpdate {
        let environment = DeploymentUpdate.defaultEnvironment(for: key)
        return switch kind {
        case .queued, .deploying: DeploymentUpdate(state: .inProgress, sha: sha, environment: environment)
        case .ready: DeploymentUpdate(state: .success, sha: sha, environment: environment, environmentURL: url, description: "Preview ready")
        case .failed(let why, _, _): DeploymentUpdate(state: .failure, sha: sha, environment: environment, description: why)
        case .tornDown: DeploymentUpdate(state: .inactive, sha: sha, environment: environment, description: "Preview removed")
        }
    }

    /// The sticky comment.
    public var comment: PreviewComment {
        switch kind {
        case .queued(let position, _):
            return PreviewComment(
                key: key, url: nil, sha: sha, stages: [.init(context: .deploy, state: .pending, description: "Queued")], queuePosition: position)
        case .tornDown(let reason, let namespace, let at):
            return PreviewComment(
                key: key, url: nil, sha: sha, teardown: .init(at: at, reason: reason, namespace: namespace, confirmedGone: true))
        case .deploying(let why):
            var comment = PreviewComment(
                key: key, url: nil, sha: sha, stages: [.init(context: .deploy, state: .pending, description: why)], expiresAt: expiresAt)
            comment.notice = notice
            return comment
        case .ready:
            var comment = PreviewComment(
                key: key, url: url, sha: sha, stages: [.init(context: .deploy, state: .success, description: "Ready")] + hooks,
                expiresAt: expiresAt)
            comment.notice = notice
            comment.durations = durations
            comment.hookOutputs = hookOutputs
            return comment
        case .failed(let why, let context, let problems):
            var stages: [PreviewComment.Stage] = [.init(context: .deploy, state: .failure, description: why)]
            if context != .deploy { stages.append(.init(context: context, state: .failure, description: why)) }
            var comment = PreviewComment(key: key, url: nil, sha: sha, stages: stages)
            comment.problems = problems
            return comment
        }
    }

    /// What is recorded as told: equal records mean the forge already shows this.
    public var record: ReportRecord {
        var summary: String
        switch kind {
        case .queued(let position, let total): summary = "queued \(position)/\(total)"
        case .deploying(let why): summary = "pending: \(why)"
        case .ready: summary = "ready: \(url ?? "")"
        case .failed(let why, let context, _): summary = "failure(\(context.rawValue)): \(why)"
        case .tornDown(let reason, _, _): summary = "torn down: \(reason)"
        }
        for hook in hooks { summary += "; \(hook.context.rawValue) \(hook.state.rawValue): \(hook.description)" }
        if let notice { summary += "; note: \(notice)" }
        return ReportRecord(sha: sha, summary: String(summary.prefix(1024)))
    }

    public var description: String { record.summary }
}
