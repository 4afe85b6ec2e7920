import Foundation
import SandcastleCore

/// `.probe`: asks the preview's URL whether it answers (`readiness.http`).
struct ProbeExecutor: StepExecutor {
    let dependencies: ControllerDependencies
    let url: String

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        guard let probe = dependencies.probe else { throw StepError(.stalled, "readiness.http is set but this controller has no HTTP client") }
        run.facts.httpCheck = await probe.check(url: url)
        return false
    }
}
