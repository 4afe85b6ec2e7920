import Foundation
import SandcastleCore

/// `.apply`: hands the rendered set to the applier (``ApplyStep``), then observes the workloads.
struct ApplyExecutor: StepExecutor {
    let reconciler: Reconciler

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let preview = try run.renderedPreview().preview
        reconciler.dependencies.memory.setWaiting(run.key, since: nil)
        try await ApplyStep(dependencies: reconciler.dependencies).run(preview)
        run.facts.environment = try await reconciler.reobserve(run.key, afterApply: true)
        return false
    }
}
