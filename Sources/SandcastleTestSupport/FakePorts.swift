import Foundation
import SandcastleCore

/// An error the fakes throw on request.
public struct InjectedFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "injected failure: \(message)" }
}

/// An in-memory forge holding pull requests, with failures injectable per operation.
public actor FakePullRequestSource: PullRequestSource {
    public var pullRequests: [PreviewKey: PullRequestSnapshot] = [:]
    /// When set, listings throw this.
    public var listingFailure: InjectedFailure?
    /// Per-PR reads that throw.
    public var readFailures: [PreviewKey: InjectedFailure] = [:]
    public private(set) var listCalls = 0
    public private(set) var readCalls: [PreviewKey] = []

    public init(_ pullRequests: [PullRequestSnapshot] = []) {
        for pr in pullRequests { self.pullRequests[pr.key] = pr }
    }

    public func put(_ pr: PullRequestSnapshot) { pullRequests[pr.key] = pr }
    public func remove(_ key: PreviewKey) { pullRequests[key] = nil }
    public func failListing(_ failure: InjectedFailure?) { listingFailure = failure }
    public func failRead(_ key: PreviewKey, _ failure: InjectedFailure?) { readFailures[key] = failure }

    public func openPullRequests(in repository: RepositoryName) async throws -> [PullRequestSnapshot] {
        listCalls += 1
        if let listingFailure { throw listingFailure }
        return pullRequests.values.filter { $0.key.repository == repository && $0.state == .open }.sorted { $0.key < $1.key }
    }

    public func pullRequest(_ key: PreviewKey) async throws -> PullRequestSnapshot? {
        readCalls.append(key)
        if let failure = readFailures[key] { throw failure }
        return pullRequests[key]
    }
}

/// Records every status set, keeping only the latest per (sha, context) as GitHub does.
public actor FakeStatusReporter: StatusReporter {
    public private(set) var statuses: [String: [CommitStatus.Context: CommitStatus]] = [:]
    public private(set) var calls = 0
    public var failure: InjectedFailure?

    public init() {}

    public func fail(_ failure: InjectedFailure?) { self.failure = failure }

    public func setStatus(_ status: CommitStatus, on sha: String, of key: PreviewKey) async throws {
        calls += 1
        if let failure { throw failure }
        statuses[sha, default: [:]][status.context] = status
    }

    public private(set) var deployments: [PreviewKey: [DeploymentUpdate]] = [:]
    public private(set) var comments: [PreviewKey: PreviewComment] = [:]

    public func reportDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws {
        calls += 1
        if let failure { throw failure }
        deployments[key, default: []].append(update)
    }

    /// Thrown by ``upsertComment(_:)`` only, e.g. a ``RefusedByForge``.
    public var commentFailure: (any Error & Sendable)?
    public private(set) var commentAttempts = 0

    public func failComments(_ failure: (any Error & Sendable)?) { commentFailure = failure }

    public func upsertComment(_ comment: PreviewComment) async throws {
        calls += 1
        commentAttempts += 1
        if let failure { throw failure }
        if let commentFailure { throw commentFailure }
        comments[comment.key] = comment
    }
}

/// A refusal as the forge words it (e.g. GitHub's 422 for a comment over its size limit).
public struct RefusedByForge: ForgeRefusal, Sendable, CustomStringConvertible {
    public var permanentRefusal: String?
    public init(_ message: String) { permanentRefusal = message }
    public var description: String { permanentRefusal ?? "refused" }
}

/// An in-memory sink holding rendered previews, with their status, what the forge was told,
/// and workload readiness the test sets (unobservable unless set). It fills the store, applier and
/// hook-runner roles; a claim records an environment with nothing applied yet, as the cluster's does.
public actor FakeSink: EnvironmentStore, PreviewApplier, HookRunner {
    public private(set) var previews: [PreviewKey: RenderedPreview] = [:]
    /// Claimed environments with nothing applied yet.
    public private(set) var claims: [PreviewKey: RenderedPreview] = [:]
    public private(set) var createdAt: [PreviewKey: Date] = [:]
    public private(set) var applyCalls = 0
    public private(set) var teardownCalls: [PreviewKey] = []
    public private(set) var statuses: [PreviewKey: PreviewStatus] = [:]
    public private(set) var reported: [PreviewKey: ReportRecord] = [:]
    public private(set) var reportingProblems: [PreviewKey: String] = [:]
    public private(set) var teardownReasons: [PreviewKey: String] = [:]
    public private(set) var appliedAt: [PreviewKey: Date] = [:]
    /// PRs recorded as waiting for a slot.
    /// The PRs recorded as waiting for a slot, with the status the planner gave each.
    public private(set) var waitingRecords: [PreviewKey: (record: WaitingRecord, status: PreviewStatus)] = [:]
    /// When each waiting PR waits since.
    public var waitingMarks: [PreviewKey: Date] { waitingRecords.mapValues(\.record.since) }
    public var workloads: [PreviewKey: WorkloadsFact] = [:]
    /// The hook Jobs started, in order, and what the sink observes of them (set by tests).
    public private(set) var startedHooks: [HookJob] = []
    public var hooks: [PreviewKey: [HookResult]] = [:]
    public var observeFailure: InjectedFailure?
    public var writeFailure: InjectedFailure?
    public var claimFailure: InjectedFailure?
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date(timeIntervalSince1970: 0) }) { self.now = now }

    public func failObserve(_ failure: InjectedFailure?) { observeFailure = failure }
    public func failWrites(_ failure: InjectedFailure?) { writeFailure = failure }
    public func failClaims(_ failure: InjectedFailure?) { claimFailure = failure }
    /// Sets what the sink observes of the workloads of `key`.
    public func setWorkloads(_ key: PreviewKey, _ fact: WorkloadsFact?) { workloads[key] = fact }
    /// Sets what the sink observes of the hook Job of `stage` for `key`.
    public func setHook(_ key: PreviewKey, _ result: HookResult) {
        hooks[key, default: []].removeAll { $0.stage == result.stage }
        hooks[key, default: []].append(result)
    }

    private func held(_ key: PreviewKey) -> Bool { previews[key] != nil || claims[key] != nil }

    public func environments() async throws -> [ObservedEnvironment] {
        if let observeFailure { throw observeFailure }
        let applied = previews.values.map {
            ObservedEnvironment(
                key: $0.key, namespace: $0.names.namespace, sha: $0.sha, contentHash: $0.contentHash, createdAt: createdAt[$0.key] ?? now(),
                converged: statuses[$0.key]?.phase == .ready || statuses[$0.key] == nil,
                reportLags: ResyncPolicy.reportLags(phase: statuses[$0.key]?.phase, sha: $0.sha, reported: reported[$0.key]))
        }
        let claimed = claims.values.map {
            ObservedEnvironment(
                key: $0.key, namespace: $0.names.namespace, sha: $0.sha, contentHash: "", createdAt: createdAt[$0.key] ?? now(), converged: false)
        }
        return (applied + claimed).sorted { $0.key < $1.key }
    }

    public func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] {
        try await environments().filter { $0.key.repository == repository }
    }

    public func observe(_ key: PreviewKey) async throws -> EnvironmentFact? {
        if let observeFailure { throw observeFailure }
        if let claim = claims[key] {
            return EnvironmentFact(
                namespace: claim.names.namespace, sha: claim.sha, contentHash: "", createdAt: createdAt[key] ?? now(), namespaceState: .missing,
                workloads: .observed([]), recorded: statuses[key], reported: reported[key], teardownReason: teardownReasons[key])
        }
        guard let preview = previews[key] else { return nil }
        let gone = teardownReasons[key] != nil
        return EnvironmentFact(
            namespace: preview.names.namespace, sha: preview.sha, contentHash: gone ? "" : preview.contentHash,
            createdAt: createdAt[key] ?? now(), deployStartedAt: appliedAt[key], appliedAt: appliedAt[key],
            namespaceState: gone ? .missing : .active, workloads: workloads[key] ?? .unobservable,
            hooks: (hooks[key] ?? []).filter { result in preview.hooks.contains { $0.manifest.name == result.job } },
            hooksObservable: workloads[key] != nil, recorded: statuses[key], reported: reported[key], teardownReason: teardownReasons[key])
    }

    public func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact? { try await observe(key) }

    /// Fails claims only through ``failClaims(_:)`` (``writeFailure`` is for applies and records).
    public func claim(_ preview: RenderedPreview) async throws {
        if let claimFailure { throw claimFailure }
        guard !held(preview.key) else { return }
        claims[preview.key] = preview
        createdAt[preview.key] = now()
        waitingRecords[preview.key] = nil
    }

    public func startHook(_ key: PreviewKey, job: HookJob) async throws {
        if let writeFailure { throw writeFailure }
        startedHooks.append(job)
        setHook(key, HookResult(stage: job.stage, state: .running, detail: "running", job: job.manifest.name, startedAt: now()))
    }

    @discardableResult
    public func apply(_ preview: RenderedPreview) async throws -> ApplyReport {
        applyCalls += 1
        if let writeFailure { throw writeFailure }
        let unchanged = previews[preview.key]?.contentHash == preview.contentHash && teardownReasons[preview.key] == nil
        if createdAt[preview.key] == nil { createdAt[preview.key] = now() }
        if previews[preview.key]?.sha != preview.sha || appliedAt[preview.key] == nil { appliedAt[preview.key] = now() }
        previews[preview.key] = preview
        claims[preview.key] = nil
        teardownReasons[preview.key] = nil
        return ApplyReport(unchanged: unchanged, applied: unchanged ? 0 : preview.objects.count)
    }

    public func record(_ key: PreviewKey, status: PreviewStatus) async throws {
        if let writeFailure { throw writeFailure }
        if held(key) { statuses[key] = status }
    }

    public func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws {
        if let writeFailure { throw writeFailure }
        if held(key) { reported[key] = record }
    }

    public func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws {
        if let writeFailure { throw writeFailure }
        if held(key) { reportingProblems[key] = problem }
    }

    public func recordWaiting(_ record: WaitingRecord, names: PreviewNames, status: PreviewStatus) async throws {
        if let writeFailure { throw writeFailure }
        guard !held(record.key) else { return }
        waitingRecords[record.key] = (record, status)
    }

    public func forgetWaiting(_ key: PreviewKey, names: PreviewNames) async throws {
        if let writeFailure { throw writeFailure }
        waitingRecords[key] = nil
    }

    public func waiting(in repository: RepositoryName) async throws -> [WaitingRecord] {
        if let observeFailure { throw observeFailure }
        return waitingRecords.values.map(\.record).filter { $0.key.repository == repository }.sorted { $0.key < $1.key }
    }

    public func deleteNamespace(_ key: PreviewKey, reason: String) async throws {
        teardownCalls.append(key)
        if let writeFailure { throw writeFailure }
        if held(key) { teardownReasons[key] = reason }
    }

    public func forget(_ key: PreviewKey) async throws {
        if let writeFailure { throw writeFailure }
        previews[key] = nil
        claims[key] = nil
        createdAt[key] = nil
        statuses[key] = nil
        reported[key] = nil
        reportingProblems[key] = nil
        teardownReasons[key] = nil
        appliedAt[key] = nil
    }
}

/// A clock that moves only when told to, for time-dependent policy in tests. Sleeping jumps the
/// clock to the deadline at once and records how long was slept.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var slept: [TimeInterval] = []

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    /// Every sleep so far, in seconds.
    public var sleeps: [TimeInterval] { lock.withLock { slept } }

    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        lock.withLock {
            slept.append(max(0, deadline.timeIntervalSince(current)))
            if deadline > current { current = deadline }
        }
    }
}
