import Foundation
import SandcastleCore

/// `.deleteNamespace`: starts the teardown (the applier records why and deletes); the namespace's
/// disappearance is observed later.
struct DeleteNamespaceExecutor: StepExecutor {
    let reconciler: Reconciler
    let reason: String

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let key = run.key
        let now = reconciler.dependencies.clock.now
        let since = reconciler.firstEvent.withLock { $0.removeValue(forKey: key) } ?? now
        reconciler.teardownSince.withLock { if $0[key] == nil { $0[key] = since } }
        do {
            try await reconciler.dependencies.sink.applier.deleteNamespace(key, reason: reason)
        } catch {
            throw StepError(error, doing: "teardown")
        }
        run.facts.environment = try await reconciler.reobserve(key)
        return false
    }
}
