import Foundation
import SandcastleCore

/// `.report`: tells the forge (``ReportStep``), then records that it was told: on the
/// environment, else in this process's memory (a queued PR, a bundle refused before any apply).
/// A queued PR's record of waiting was written before, by `.record`.
struct ReportExecutor: StepExecutor {
    let reconciler: Reconciler
    let report: ForgeReport

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let deps = reconciler.dependencies
        do {
            try await ReportStep(dependencies: deps, feed: reconciler.feed).send(report)
        } catch {
            throw StepError(.transient, "reporting to GitHub: \(error)")
        }
        let record = report.record
        if run.facts.environment != nil {
            do {
                try await deps.sink.store.recordReported(run.key, record)
            } catch {
                throw StepError(.transient, "recording what GitHub was told: \(error)")
            }
            run.facts.environment?.reported = record
        } else {
            reconciler.toldWithoutEnvironment.withLock { $0[run.key] = record }
            run.facts.reportedWithoutEnvironment = record
        }
        if case .ready = report.kind, let first = reconciler.firstEvent.withLock({ $0.removeValue(forKey: run.key) }) {
            let seconds = max(0, deps.clock.now.timeIntervalSince(first))
            deps.metrics.recordTimeToReady(seconds: seconds)
            run.readyAfterEventAt = first
        }
        return false
    }
}
