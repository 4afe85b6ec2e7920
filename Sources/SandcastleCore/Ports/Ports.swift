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

/// Where rendered previews are written, and what the lifecycle observes and records there.
public protocol Sink: Sendable {
    /// Every preview environment the sink holds. Throws rather than return a partial set.
    func environments() async throws -> [ObservedEnvironment]
    /// The environments of one repository (a reconcile needs only these, for the concurrency cap).
    func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment]
    /// Everything observed about the environment of `key`: namespace, drift, workload readiness,
    /// hooks, the recorded status and what the forge was told; `nil` when there is none.
    func observe(_ key: PreviewKey) async throws -> EnvironmentFact?
    /// ``observe(_:)`` right after this process applied `key`: what was just applied has no drift
    /// to look for, so a sink may skip that part (see `Sink+Defaults.swift`).
    func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact?
    /// Creates the environment record for `preview` and checks that its namespace is free (or
    /// already its own) before any other side effect; throws a name conflict otherwise.
    func claim(_ preview: RenderedPreview) async throws
    /// Writes `preview`, replacing what the sink held for its key; only what changed or drifted
    /// is written.
    func apply(_ preview: RenderedPreview) async throws
    /// Creates the hook Job `job` in the preview of `key` (once the planner says it is time).
    func startHook(_ key: PreviewKey, job: HookJob) async throws
    /// Records the lifecycle status of `key` (with an event on a change of phase).
    func record(_ key: PreviewKey, status: PreviewStatus) async throws
    /// Records what the forge was told about `key`.
    func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws
    /// Starts removing `key`: records the reason and deletes its namespace; returns at once.
    func deleteNamespace(_ key: PreviewKey, reason: String) async throws
    /// Deletes the environment record of `key` once its namespace is gone.
    func forget(_ key: PreviewKey) async throws
    /// Removes everything of `key`; returns only once it is gone (or throws saying what remains).
    func teardown(_ key: PreviewKey) async throws
    /// Records that `key` waits for a slot since `since` (its PR's creation), or with `nil` that it
    /// no longer waits, so the queue's order survives a restart (see `Sink+Defaults.swift`).
    func recordWaiting(_ key: PreviewKey, names: PreviewNames, sha: String, since: Date?) async throws
    /// The PRs of `repository` recorded as waiting for a slot (see `Sink+Defaults.swift`).
    func waiting(in repository: RepositoryName) async throws -> [AdmissionQueue.Candidate]
    /// Removes owned leftovers no preview claims (see `Sink+Defaults.swift`).
    func reapOrphans() async throws -> [String]
    /// Records on the environment of `key` that the forge refused what was reported (`nil` clears
    /// it), so the refusal is visible where the preview is (see `Sink+Defaults.swift`).
    func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws
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
