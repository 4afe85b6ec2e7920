import Foundation
import SandcastleCore

/// Executes one kind of ``PreviewStep`` and folds what it observed into the run's facts. One
/// executor per step, each in its own file; none decides anything (the planner did) and none
/// touches the dashboard (``DashboardFeed`` observes every step).
protocol StepExecutor: Sendable {
    /// Runs the step; `true` ends the reconcile.
    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool
}

extension Reconciler {
    /// The executor of `step`.
    func executor(for step: PreviewStep) -> any StepExecutor {
        switch step {
        case .render: RenderExecutor(reconciler: self)
        case .claim: ClaimExecutor(reconciler: self)
        case .provisionDatabase: ProvisionDatabaseExecutor(dependencies: dependencies)
        case .apply: ApplyExecutor(reconciler: self)
        case .probe(let url): ProbeExecutor(dependencies: dependencies, url: url)
        case .startHook(let hook): StartHookExecutor(dependencies: dependencies, hook: hook)
        case .record(let status): RecordExecutor(dependencies: dependencies, status: status)
        case .report(let report): ReportExecutor(reconciler: self, report: report)
        case .deleteNamespace(let reason): DeleteNamespaceExecutor(reconciler: self, reason: reason)
        case .dropDatabase: DropDatabaseExecutor(dependencies: dependencies)
        case .forget: ForgetExecutor(reconciler: self)
        }
    }

    /// The environment as the store observes it now.
    func reobserve(_ key: PreviewKey, afterApply: Bool = false) async throws(StepError) -> EnvironmentFact? {
        do {
            return try await afterApply ? dependencies.sink.store.observeAfterApply(key) : dependencies.sink.store.observe(key)
        } catch {
            throw StepError(.transient, "observing the environment: \(error)")
        }
    }
}

extension Reconciler.Run {
    /// The preview rendered in this reconcile (the planner renders before any step that needs it).
    func renderedPreview() throws(StepError) -> RenderStep.Result {
        guard let rendered else { throw StepError(.transient, "the bundle was not rendered in this reconcile") }
        return rendered
    }
}
