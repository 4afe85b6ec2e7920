import Foundation
import SandcastleCore

/// `.record`: the one place a preview's lifecycle status is written: on its environment, or, for
/// a PR without one that waits for a slot, on its record of waiting.
struct RecordExecutor: StepExecutor {
    let dependencies: ControllerDependencies
    let status: PreviewStatus

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        if run.facts.environment == nil, status.phase == .queued, case .read(let pr) = run.facts.pullRequest {
            let record = WaitingRecord(key: run.key, since: pr.createdAt, sha: pr.headSHA)
            do {
                try await dependencies.sink.store.recordWaiting(record, names: PreviewNames(key: run.key, settings: run.settings), status: status)
            } catch {
                throw StepError(.transient, "recording the wait: \(error)")
            }
            dependencies.memory.setWaiting(run.key, since: pr.createdAt)
            run.facts.waitingRecord = record
            run.recordedWaiting = true
            return false
        }
        do {
            try await dependencies.sink.store.record(run.key, status: status)
        } catch {
            throw StepError(.transient, "recording the status: \(error)")
        }
        run.facts.environment?.recorded = status
        return false
    }
}
