import Foundation
import SandcastleCore

/// Running the step the planner chose through its executor, with the dashboard observing.
extension Reconciler {
    /// Executes `step` and updates the facts with what it observed; `true` ends the reconcile.
    func execute(_ step: PreviewStep, plan: PreviewPlan, run: inout Run) async throws(StepError) -> Bool {
        run.lastPlan = plan
        feed.observe(plan, step: step, outcome: .started, run: run)
        do {
            let ends = try await executor(for: step).execute(&run)
            feed.observe(plan, step: step, outcome: .succeeded, run: run)
            return ends
        } catch {
            feed.observe(plan, step: step, outcome: .failed(error.message), run: run)
            throw error
        }
    }

    /// Shows the plan on the dashboard and keeps the controller's memory of waiting PRs.
    func note(_ plan: PreviewPlan, run: Run) {
        if plan.phase == .queued, case .read(let pr) = run.facts.pullRequest { dependencies.memory.setWaiting(run.key, since: pr.createdAt) }
        if case .read(let pr) = run.facts.pullRequest, plan.phase != nil, plan.phase != .terminating {
            dependencies.memory.setHead(run.key, sha: pr.headSHA)
        }
        feed.observe(plan, step: plan.step, outcome: .planned, run: run)
    }

    /// The outcome of a reconcile that has nothing left to do now.
    func finish(_ plan: PreviewPlan, run: Run) async -> ReconcileOutcome {
        var run = run
        run.wasQueued = dependencies.memory.isWaiting(run.key)
        // A PR recorded as waiting that no longer waits (closed, unlabelled) loses its record; one
        // admitted turned it into its environment when it claimed the namespace.
        if run.recordedWaiting || run.wasQueued, plan.phase != .queued, run.facts.environment == nil, !run.facts.claimed {
            let names = PreviewNames(key: run.key, settings: run.settings)
            do {
                try await dependencies.sink.store.forgetWaiting(run.key, names: names)
            } catch {
                return .failed("removing the record of waiting: \(error)")
            }
            dependencies.memory.setWaiting(run.key, since: nil)
        }
        feed.observe(plan, step: nil, outcome: .ended, run: run)
        if plan.phase == nil, run.facts.environment == nil { dependencies.memory.forget(run.key) }
        if plan.phase == .queued, run.facts.othersLive < run.settings.maxConcurrent { wake(run.key.repository) }
        switch plan.ending {
        case .settled(let why): return .settled(why)
        case .recheck(let why, let after): return .waiting(why, after: after)
        case .retry(let why): return .failed(why)
        }
    }

    /// The earliest wait of each PR in `waiting` other than `key`, by key.
    static func earliest(_ waiting: [AdmissionQueue.Candidate], except key: PreviewKey) -> [AdmissionQueue.Candidate] {
        var earliest: [PreviewKey: Date] = [:]
        for candidate in waiting where candidate.key != key {
            earliest[candidate.key] = min(earliest[candidate.key] ?? candidate.since, candidate.since)
        }
        return earliest.map { AdmissionQueue.Candidate(key: $0.key, since: $0.value) }.sorted { $0.key < $1.key }
    }
}
