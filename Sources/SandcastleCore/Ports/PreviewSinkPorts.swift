import Foundation

/// The ports of a sink, split by role. A sink implements the roles it can fill, none with a
/// stand-in: the cluster all four, the directory a store and an applier, a GitOps engine through
/// the cluster's. The composition root hands each role to whoever needs it.

/// The record of every preview environment: what the lifecycle observes, and the only place its
/// status is written (by the planner's `.record` step, through ``record(_:status:)``).
public protocol EnvironmentStore: Sendable {
    /// Every preview environment the store holds. Throws rather than return a partial set.
    func environments() async throws -> [ObservedEnvironment]
    /// The environments of one repository (a reconcile needs only these, for the concurrency cap).
    func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment]
    /// Everything observed about the environment of `key`: namespace, drift, workload readiness,
    /// hooks, the recorded status and what the forge was told; `nil` when there is none.
    func observe(_ key: PreviewKey) async throws -> EnvironmentFact?
    /// ``observe(_:)`` right after this process applied `key`: what was just applied has no drift
    /// to look for, so a store may skip that part.
    func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact?
    /// Creates the environment record for `preview` and checks that its namespace is free (or
    /// already its own) before any other side effect; throws a name conflict otherwise.
    func claim(_ preview: RenderedPreview) async throws
    /// Records the lifecycle status of `key` (with an event on a change of phase).
    func record(_ key: PreviewKey, status: PreviewStatus) async throws
    /// Records what the forge was told about `key`.
    func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws
    /// Records on the environment of `key` that the forge refused what was reported (`nil` clears
    /// it), so the refusal is visible where the preview is.
    func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws
    /// Deletes the environment record of `key` once its namespace is gone.
    func forget(_ key: PreviewKey) async throws
    /// Records that a PR waits for a slot, with the status the planner's `.record` step gives it,
    /// so the queue's order survives a restart. An environment that exists is never touched.
    func recordWaiting(_ record: WaitingRecord, names: PreviewNames, status: PreviewStatus) async throws
    /// Deletes the record of `key` waiting for a slot (it no longer waits, or was admitted).
    func forgetWaiting(_ key: PreviewKey, names: PreviewNames) async throws
    /// The PRs of `repository` recorded as waiting for a slot.
    func waiting(in repository: RepositoryName) async throws -> [WaitingRecord]
}

/// Writes rendered previews and removes them. Never writes lifecycle status: it says what it did.
public protocol PreviewApplier: Sendable {
    /// Writes `preview`, replacing what was held for its key; only what changed or drifted is
    /// written. Returns what was done.
    @discardableResult
    func apply(_ preview: RenderedPreview) async throws -> ApplyReport
    /// Starts removing `key`: records the reason and deletes its namespace; returns at once (its
    /// disappearance is observed through the store).
    func deleteNamespace(_ key: PreviewKey, reason: String) async throws
}

/// Runs a preview's hook Jobs (seed, verify). A sink that cannot see Jobs run does not implement
/// it, and reports hooks as not observable, so the planner never asks.
public protocol HookRunner: Sendable {
    /// Creates the hook Job `job` in the preview of `key` (once the planner says it is time).
    func startHook(_ key: PreviewKey, job: HookJob) async throws
}

/// Finds and removes what a sink owns but no preview claims (the janitor's sweep).
public protocol OrphanReaper: Sendable {
    /// Removes owned leftovers no preview claims; returns a line per removal.
    func reapOrphans() async throws -> [String]
}

/// What an apply did.
public struct ApplyReport: Sendable, Equatable {
    /// Nothing needed writing: the preview was intact at this content.
    public var unchanged: Bool
    /// Objects written.
    public var applied: Int
    /// Objects deleted because they left the set.
    public var pruned: [String]
    /// Objects that left the set but are not Sandcastle's, so were left alone.
    public var skipped: [String]

    public init(unchanged: Bool, applied: Int, pruned: [String] = [], skipped: [String] = []) {
        self.unchanged = unchanged
        self.applied = applied
        self.pruned = pruned
        self.skipped = skipped
    }
}

/// The roles one sink fills, handed to the controller together. Roles a sink cannot fill are
/// `nil`, never a stand-in that pretends.
public struct PreviewSink: Sendable {
    public var store: any EnvironmentStore
    public var applier: any PreviewApplier
    /// `nil`: hook Jobs cannot run here (the store reports hooks as not observable).
    public var hooks: (any HookRunner)?
    /// `nil`: nothing this sink owns can be left behind without a record.
    public var reaper: (any OrphanReaper)?

    public init(store: any EnvironmentStore, applier: any PreviewApplier, hooks: (any HookRunner)? = nil, reaper: (any OrphanReaper)? = nil) {
        self.store = store
        self.applier = applier
        self.hooks = hooks
        self.reaper = reaper
    }

    /// A sink that fills every role (the cluster).
    public init(_ sink: some EnvironmentStore & PreviewApplier & HookRunner & OrphanReaper) {
        self.init(store: sink, applier: sink, hooks: sink, reaper: sink)
    }

    /// A sink that records and applies, and does nothing else (a directory of manifests).
    public init(_ sink: some EnvironmentStore & PreviewApplier) {
        self.init(store: sink, applier: sink)
    }
}
