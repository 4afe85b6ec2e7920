import Foundation

/// Everything observed about one preview in one reconcile: the only input of
/// ``Planner/next(_:settings:now:)`` besides the settings and the time.
///
/// The reconciler fills it from the forge and the sink, executes the step the planner returns, and
/// updates the facts with what that step observed, until the planner has nothing left to do.
public struct PreviewFacts: Sendable, Hashable {
    public var key: PreviewKey
    /// The pull request as read in this reconcile.
    public var pullRequest: PullRequestObservation
    /// The bundle rendered at the head commit in this reconcile; `nil` until rendered.
    public var render: RenderSummary?
    /// A problem a human must fix, met at the head commit in this reconcile (a bundle that breaks
    /// the contract, a failing seed, a namespace that is not Sandcastle's).
    public var problem: StepProblem?
    public var database: DatabaseFact
    /// The claim step ran in this reconcile (a sink without a separate record observes no
    /// environment until the first apply).
    public var claimed: Bool = false
    /// The preview's environment in the sink; `nil` when it has none.
    public var environment: EnvironmentFact?
    /// Environments of the same repository other than this one (they hold slots under the cap).
    public var othersLive: Int
    /// Other PRs of the repository known to wait for a slot; they keep their place in the queue.
    public var waiting: [AdmissionQueue.Candidate]
    /// This PR's own record of waiting for a slot in the store; `nil` when it has none.
    public var waitingRecord: WaitingRecord?
    /// The answer of the `readiness.http` check in this reconcile; `nil` until checked.
    public var httpCheck: HTTPCheckFact?
    /// An image of the head commit is not in the registry yet.
    public var imageWait: ImageWait?
    /// The apply in this reconcile failed with an error worth retrying (the API server, a
    /// timeout): recorded as Failed, then retried with backoff.
    public var failedApply: String?
    /// The repository is served now (`false`: it was removed from the catalog, and its previews go
    /// once a per-PR read confirms the PR still exists to ask about).
    public var repositoryServed = true
    /// An operator applied this commit by hand (`sandcastle apply`), with nothing judged since.
    public var operatorApply: OperatorApply?
    /// An operator asked for this preview to go (`sandcastle teardown`), whatever the PR says.
    public var teardownRequest: TeardownRequest?
    /// What the forge was last told about this preview when there is no environment to record it
    /// (a queued PR, a bundle refused before anything was applied).
    public var reportedWithoutEnvironment: ReportRecord?

    public init(
        key: PreviewKey, pullRequest: PullRequestObservation, render: RenderSummary? = nil, problem: StepProblem? = nil,
        database: DatabaseFact = .notEnabled, environment: EnvironmentFact? = nil, othersLive: Int = 0,
        waiting: [AdmissionQueue.Candidate] = [], reportedWithoutEnvironment: ReportRecord? = nil
    ) {
        self.key = key
        self.pullRequest = pullRequest
        self.render = render
        self.problem = problem
        self.database = database
        self.environment = environment
        self.othersLive = othersLive
        self.waiting = waiting
        self.reportedWithoutEnvironment = reportedWithoutEnvironment
    }

    /// What the forge was last told: the environment's record, else the memory of this replica.
    public var reported: ReportRecord? { environment?.reported ?? reportedWithoutEnvironment }
}

/// A PR recorded as waiting for a slot: its place in the queue (its PR's creation) and the head
/// commit it waits with.
public struct WaitingRecord: Sendable, Hashable {
    public var key: PreviewKey
    public var since: Date
    public var sha: String

    public init(key: PreviewKey, since: Date, sha: String) {
        self.key = key
        self.since = since
        self.sha = sha
    }

    /// Its place in the admission queue.
    public var candidate: AdmissionQueue.Candidate { AdmissionQueue.Candidate(key: key, since: since) }
}

/// A commit an operator applied by hand: how many objects were written at which commit.
public struct OperatorApply: Sendable, Hashable {
    public var sha: String
    public var objects: Int

    public init(sha: String, objects: Int) {
        self.sha = sha
        self.objects = objects
    }
}

/// A teardown an operator asked for: the planner tears the preview down as it does for a closed
/// PR, without reading the PR first.
public struct TeardownRequest: Sendable, Hashable {
    public var reason: String
    /// Whether the receipt is posted on the PR (not by a command without forge credentials).
    public var tellsForge: Bool

    public init(reason: String, tellsForge: Bool) {
        self.reason = reason
        self.tellsForge = tellsForge
    }
}

/// A problem that needs a human, with the commit status context it is reported under.
public struct StepProblem: Sendable, Hashable, CustomStringConvertible {
    public var sha: String
    public var message: String
    /// `sandcastle/deploy`, or `sandcastle/seed` for a seed that fails.
    public var context: CommitStatus.Context

    public init(sha: String, message: String, context: CommitStatus.Context = .deploy) {
        self.sha = sha
        self.message = message
        self.context = context
    }

    public var description: String { message }
}

/// The preview's own database, when the repository enables one.
public enum DatabaseFact: Sendable, Hashable {
    case notEnabled
    /// Enabled, not yet ensured in this reconcile (ensuring is idempotent).
    case needed
    /// Ensured in this reconcile; its Secret is part of the rendered set.
    case provisioned
    /// Dropped in this reconcile (teardown).
    case dropped
}

/// The state of the preview's namespace.
public enum NamespaceFact: Sendable, Hashable {
    case active
    /// Being deleted; the detail names what blocks it, when the namespace says.
    case terminating(since: Date?, detail: String)
    /// Not there (never created yet, deleted, or deleted by hand).
    case missing
}

/// One condition of a namespace being deleted (`NamespaceContentRemaining`,
/// `NamespaceFinalizersRemaining`, …) as the namespace controller reports it.
public struct NamespaceCondition: Sendable, Hashable, Codable {
    public var type: String
    public var status: Bool
    public var reason: String
    public var message: String

    public init(type: String, status: Bool, reason: String, message: String) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// What is known about the readiness of the workloads a preview applied.
public enum WorkloadsFact: Sendable, Hashable {
    /// The sink cannot observe workloads (a directory); "applied" is all that can be said.
    case unobservable
    /// Each applied workload, judged from its status.
    case observed([WorkloadFact])
}

/// One applied workload and its readiness.
public struct WorkloadFact: Sendable, Hashable {
    /// `Deployment/web`.
    public var name: String
    public var readiness: WorkloadReadiness
    /// Why its pods are not running, from the cluster (waiting reasons, scheduling, quota).
    public var diagnosis: [String]

    public init(name: String, readiness: WorkloadReadiness, diagnosis: [String] = []) {
        self.name = name
        self.readiness = readiness
        self.diagnosis = diagnosis
    }
}

/// A preview environment as the sink observes it.
public struct EnvironmentFact: Sendable, Hashable {
    public var namespace: String
    /// The environment record's `metadata.generation` (its spec's version); `nil` for a sink
    /// without one. Recorded statuses carry it as `observedGeneration`.
    public var generation: Int?
    /// The head commit of the last apply (begun or completed).
    public var sha: String
    /// The content hash of the last completed apply; empty when none completed.
    public var contentHash: String
    public var createdAt: Date
    /// When deploying `sha` began: the readiness clock (a new head commit restarts it).
    public var deployStartedAt: Date?
    /// When the last apply of `sha` completed.
    public var appliedAt: Date?
    /// The last apply failed with this message (kept until an apply succeeds).
    public var applyFailure: String?
    public var namespaceState: NamespaceFact
    /// The namespace's own conditions while it is terminating (what blocks its deletion).
    public var namespaceConditions: [NamespaceCondition] = []
    public var workloads: WorkloadsFact
    /// Owned objects that are missing or were changed by hand since they were applied.
    public var drift: [String]
    /// The seed and verify Jobs of `sha`.
    public var hooks: [HookResult]
    /// Whether the sink can see hook Jobs run (a directory of manifests cannot).
    public var hooksObservable: Bool
    /// When the status last turned Ready (the verify delay counts from it when there is no seed).
    public var readySince: Date?
    /// The phase and message the environment's status records.
    public var recorded: PreviewStatus?
    /// What the forge was last told, as recorded on the environment.
    public var reported: ReportRecord?
    /// Set once a teardown began: why.
    public var teardownReason: String?

    public init(
        namespace: String, sha: String, contentHash: String, createdAt: Date, deployStartedAt: Date? = nil, appliedAt: Date? = nil,
        applyFailure: String? = nil, namespaceState: NamespaceFact = .active, workloads: WorkloadsFact = .unobservable, drift: [String] = [],
        hooks: [HookResult] = [], hooksObservable: Bool = true, readySince: Date? = nil, recorded: PreviewStatus? = nil,
        reported: ReportRecord? = nil, teardownReason: String? = nil, generation: Int? = nil
    ) {
        self.namespace = namespace
        self.generation = generation
        self.sha = sha
        self.contentHash = contentHash
        self.createdAt = createdAt
        self.deployStartedAt = deployStartedAt
        self.appliedAt = appliedAt
        self.applyFailure = applyFailure
        self.namespaceState = namespaceState
        self.workloads = workloads
        self.drift = drift
        self.hooks = hooks
        self.hooksObservable = hooksObservable
        self.readySince = readySince
        self.recorded = recorded
        self.reported = reported
        self.teardownReason = teardownReason
    }
}

/// What the forge was told, reduced to what identifies it: the same record means nothing new to say.
public struct ReportRecord: Sendable, Hashable, Codable, CustomStringConvertible {
    public var sha: String
    /// E.g. `pending: Deploying: Deployment/web: 0 of 1 updated replicas available`.
    public var summary: String

    public init(sha: String, summary: String) {
        self.sha = sha
        self.summary = summary
    }

    public var description: String { "\(sha.prefix(7)) \(summary)" }
}

/// What the `readiness.http` check got.
public struct HTTPCheckFact: Sendable, Hashable {
    public var url: String
    /// The status code; `nil` when nothing answered.
    public var status: Int?
    /// Why nothing answered (connection refused, timeout).
    public var error: String?

    public init(url: String, status: Int?, error: String? = nil) {
        self.url = url
        self.status = status
        self.error = error
    }
}

/// An image of a head commit that is not in the registry yet, and since when it is waited for.
public struct ImageWait: Sendable, Hashable {
    public var sha: String
    /// `name:tag`.
    public var image: String
    /// When the wait began (the head commit's push; a new push restarts it).
    public var since: Date

    public init(sha: String, image: String, since: Date) {
        self.sha = sha
        self.image = image
        self.since = since
    }
}
