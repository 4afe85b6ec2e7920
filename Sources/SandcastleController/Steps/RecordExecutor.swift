import Foundation
import SandcastleCore

/// `.record`: the one place a preview's lifecycle status is written.
struct RecordExecutor: StepExecutor {
    let dependencies: ControllerDependencies
    let status: PreviewStatus

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        do {
            try await dependencies.sink.store.record(run.key, status: status)
        } catch {
            throw StepError(.transient, "recording the status: \(error)")
        }
        run.facts.environment?.recorded = status
        return false
    }
}
