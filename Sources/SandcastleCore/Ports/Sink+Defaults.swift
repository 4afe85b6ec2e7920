import Foundation

/// Defaults for sinks without a cheaper or richer way (the directory sink, test fakes).
extension Sink {
    /// The environments of `repository`, filtered from ``environments()``; sinks that can select
    /// them more cheaply (the cluster, by label) do so.
    public func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] {
        try await environments().filter { $0.key.repository == repository }
    }

    /// A sink without a record for waiting PRs keeps none (the controller's memory does).
    public func recordWaiting(_ key: PreviewKey, names: PreviewNames, sha: String, since: Date?) async throws {}
    public func waiting(in repository: RepositoryName) async throws -> [AdmissionQueue.Candidate] { [] }

    /// A sink whose observation is cheap observes in full.
    public func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact? { try await observe(key) }

    /// A sink without a separate record of the environment has nothing to claim.
    public func claim(_ preview: RenderedPreview) async throws {}
    /// Removes what the sink owns but no preview claims (e.g. a namespace whose PreviewEnvironment
    /// is gone); returns a line per removal. A sink without such leftovers removes nothing.
    public func reapOrphans() async throws -> [String] { [] }
    /// A sink that cannot run Jobs on its own (it reports hooks as not observable, so the planner
    /// never asks) refuses.
    public func startHook(_ key: PreviewKey, job: HookJob) async throws { throw HookUnsupported(job: job.manifest.name) }
    /// A sink without a status record keeps nothing (the log and the dashboard still show it).
    public func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws {}
}

/// A sink asked to start a hook Job it cannot run.
public struct HookUnsupported: Error, CustomStringConvertible {
    public var job: String
    public var description: String { "this sink cannot start the hook Job \(job)" }
}
