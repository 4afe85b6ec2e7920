import Foundation
import SandcastleCore

/// `.startHook`: creates the seed or verify Job of this reconcile's render.
struct StartHookExecutor: StepExecutor {
    let dependencies: ControllerDependencies
    let hook: HookSpec

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        guard let job = try run.renderedPreview().preview.hooks.first(where: { $0.manifest.name == hook.job }) else {
            throw StepError(.transient, "the hook Job \(hook.job) is not in this reconcile's render")
        }
        guard let hooks = dependencies.sink.hooks else { throw StepError(.stalled, "this sink cannot run the hook Job \(hook.job)") }
        let now = dependencies.clock.now
        do {
            try await hooks.startHook(run.key, job: job)
        } catch {
            throw StepError(error, doing: "starting the \(hook.stage.rawValue) Job \(hook.job)")
        }
        run.facts.environment?.hooks.removeAll { $0.stage == hook.stage }
        run.facts.environment?.hooks.append(HookResult(stage: hook.stage, state: .running, detail: "running", job: hook.job, startedAt: now))
        return false
    }
}
