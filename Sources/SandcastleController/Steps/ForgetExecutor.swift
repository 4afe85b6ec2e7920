import Foundation
import SandcastleCore

/// `.forget`: deletes the environment record, the last step of a teardown; frees a slot.
struct ForgetExecutor: StepExecutor {
    let reconciler: Reconciler

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let deps = reconciler.dependencies
        let key = run.key
        do {
            try await deps.sink.store.forget(key)
        } catch {
            throw StepError(error, doing: "forgetting the environment")
        }
        await deps.bundles.release(key)
        if let since = reconciler.teardownSince.withLock({ $0.removeValue(forKey: key) }) {
            deps.metrics.recordTimeToGone(seconds: max(0, deps.clock.now.timeIntervalSince(since)))
        }
        reconciler.firstEvent.withLock { $0[key] = nil }
        reconciler.toldWithoutEnvironment.withLock { $0[key] = nil }
        deps.memory.forget(key)
        reconciler.wake(key.repository)
        run.facts.environment = nil
        // A teardown ends here; a preview created again after an old teardown goes on.
        return run.lastPlan?.phase == nil
    }
}
