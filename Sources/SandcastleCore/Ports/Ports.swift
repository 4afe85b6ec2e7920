import Foundation

/// The ports through which the controller reaches the outside world. Each has an in-memory fake
/// with error injection in `SandcastleTestSupport`; adapters live in their own targets.

/// Reads pull requests from the forge.
public protocol PullRequestSource: Sendable {
    /// Every open PR of `repository`. Throws unless every page was read and decoded: a partial or
    /// failed listing is an error, never a shorter list (safety rule 1).
    func openPullRequests(in repository: RepositoryName) async throws -> [PullRequestSnapshot]
    /// One PR by number; `nil` when the forge answers 404.
    func pullRequest(_ key: PreviewKey) async throws -> PullRequestSnapshot?
}

/// Feedback on the forge: commit statuses on the head SHA, a Deployment and one sticky comment.
///
/// Every call is an upsert: repeating it leaves the forge as one call would.
public protocol StatusReporter: Sendable {
    /// Sets `status` on `sha`; repeating the same status is harmless.
    func setStatus(_ status: CommitStatus, on sha: String, of key: PreviewKey) async throws
    /// Moves the preview's Deployment for `update.sha` to `update.state`, creating it when missing;
    /// `inactive` applies to every deployment of the environment.
    func reportDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws
    /// Creates the PR's sticky comment, or edits it in place; never posts a second one.
    func upsertComment(_ comment: PreviewComment) async throws
}

/// Checks a preview's URL for `readiness.http`.
public protocol ReadinessProbe: Sendable {
    /// One `GET` of `url`: its status, or why nothing answered. Never follows redirects; the body
    /// is not read.
    func check(url: String) async -> HTTPCheckFact
}

/// Tells which previews changed in the sink (a watch), so they are reconciled at once.
public protocol ChangeFeed: Sendable {
    /// The keys of previews with a change, as they happen, until the task is cancelled.
    func changes() -> AsyncStream<PreviewKey>
}

/// One commit status Sandcastle sets.
public struct CommitStatus: Sendable, Hashable {
    /// The status context: `sandcastle/deploy`, `sandcastle/seed`, `sandcastle/verify`.
    public enum Context: String, Sendable, Hashable, CaseIterable {
        case deploy = "sandcastle/deploy"
        case seed = "sandcastle/seed"
        case verify = "sandcastle/verify"
    }

    public enum State: String, Sendable, Hashable { case pending, success, failure, error }

    public var context: Context
    public var state: State
    /// Short, at most 140 characters (GitHub's limit); never contains secrets.
    public var description: String
    public var targetURL: String?

    public init(context: Context, state: State, description: String, targetURL: String? = nil) {
        self.context = context
        self.state = state
        self.description = String(description.prefix(140))
        self.targetURL = targetURL
    }
}

extension PullRequestObservation {
    /// Turns a per-PR read into an observation: a snapshot, a 404, or a failure (never proof).
    public static func reading(_ read: () async throws -> PullRequestSnapshot?) async -> PullRequestObservation {
        do {
            guard let snapshot = try await read() else { return .notFound }
            return .read(snapshot)
        } catch {
            return .unavailable(String(describing: error))
        }
    }
}
