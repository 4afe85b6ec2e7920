import Foundation
import SandcastleCore

/// What a step did, as the dashboard hears it.
enum StepOutcome: Sendable {
    /// The planner chose the plan (with or without a step).
    case planned
    case started
    case succeeded
    case failed(String)
    /// The reconcile ended with the plan's ending.
    case ended
}

/// The one observer of (plan, step, outcome) that keeps the dashboard's ``PreviewBook`` in step
/// with the controller. Write-only: nothing the controller decides reads the book.
struct DashboardFeed: Sendable {
    let book: PreviewBook
    let clock: any WallClock

    func observe(_ plan: PreviewPlan, step: PreviewStep?, outcome: StepOutcome, run: Reconciler.Run) {
        let key = run.key
        let now = clock.now
        switch (step, outcome) {
        case (_, .planned): planned(plan, run: run, now: now)
        case (.apply(_, let why), .started):
            guard let preview = run.rendered?.preview else { return }
            book.update(key, now: now) {
                $0.startHead(preview.sha, at: now)
                $0.finish(.queued, at: now)
                $0.begin(.apply, at: now)
                $0.note("applying \(preview.objects.count) objects at \(preview.sha.prefix(7)): \(why)", at: now)
            }
        case (.apply, .succeeded), (.apply, .failed):
            let failure: String? = if case .failed(let why) = outcome { why } else { nil }
            let count = run.rendered?.preview.objects.count ?? 0
            book.update(key, now: now) {
                $0.finish(.apply, at: now, failed: failure != nil)
                if failure == nil { $0.begin(.rollout, at: now) }
                $0.note(failure.map { "apply failed: \($0)" } ?? "applied \(count) objects", at: now)
            }
        case (.startHook(let hook), .succeeded):
            book.update(key, now: now) {
                $0.begin(hook.stage == .seed ? .seed : .verify, at: now)
                $0.note("started the \(hook.stage.rawValue) Job \(hook.job)", at: now)
            }
        case (.deleteNamespace(let reason), .started): book.update(key, now: now) { $0.note("tearing down: \(reason)", at: now) }
        case (.report(let report), .succeeded): reported(report, run: run, now: now)
        case (.forget, .succeeded): book.remove(key)
        case (nil, .ended): ended(plan, run: run, now: now)
        default: break
        }
    }

    /// The forge refused what was reported (`nil`: it takes it again).
    func refused(_ key: PreviewKey, problem: String?) {
        guard book.record(key) != nil else { return }
        let now = clock.now
        book.update(key, now: now) {
            $0.reportingProblem = problem
            if let problem { $0.note(problem, at: now) }
        }
    }

    private func planned(_ plan: PreviewPlan, run: Reconciler.Run, now: Date) {
        guard let phase = plan.phase else { return }
        book.update(run.key, now: now) { record in
            if record.phase != phase {
                record.note("\(phase.rawValue.lowercased()): \(plan.message)", at: now)
                if phase == .queued { record.begin(.queued, at: now) }
            }
            record.phase = phase
            record.message = plan.message
            record.queuePosition = plan.queuePosition
            if case .read(let pr) = run.facts.pullRequest, phase != .terminating { record.startHead(pr.headSHA, at: now) }
            if let environment = run.facts.environment {
                record.namespace = environment.namespace
                record.createdAt = environment.createdAt
            }
            if let url = plan.url, phase == .ready { record.url = url }
            if let expiresAt = plan.expiresAt { record.expiresAt = expiresAt }
            record.pinnedUntil = plan.pinnedUntil
            if phase == .failed, record.stages.contains(where: { $0.name == .rollout && $0.state == .running }) {
                record.finish(.rollout, at: now, failed: true)
            }
        }
    }

    private func reported(_ report: ForgeReport, run: Reconciler.Run, now: Date) {
        guard case .ready = report.kind else { return }
        for hook in report.hooks where hook.state == .success || hook.state == .failure {
            let stage: StageTiming.Name = hook.context == .seed ? .seed : .verify
            book.update(run.key, now: now) {
                if $0.stages.contains(where: { $0.name == stage && $0.state == .running }) {
                    $0.finish(stage, at: now, failed: hook.state == .failure)
                    $0.note("\(hook.context.rawValue): \(hook.description)", at: now)
                }
            }
        }
        let first = run.readyAfterEventAt
        book.update(run.key, now: now) {
            $0.finish(.rollout, at: now)
            $0.finish(.ready, at: now, since: first ?? $0.stages.first?.startedAt)
            $0.note("ready at \(report.url ?? "")", at: now)
        }
        if let first { book.recordTimeToReady(seconds: max(0, now.timeIntervalSince(first)), at: now) }
    }

    private func ended(_ plan: PreviewPlan, run: Reconciler.Run, now: Date) {
        if plan.phase == nil, run.facts.environment == nil || run.wasQueued { book.remove(run.key) }
        if plan.phase == nil, !plan.message.isEmpty { book.update(run.key, now: now) { $0.message = plan.message } }
    }

    /// Shows what the store already holds until each preview is reconciled by this replica.
    func existing(_ environments: [ObservedEnvironment]) {
        let now = clock.now
        for environment in environments {
            book.insertIfAbsent(environment.key, now: now) {
                $0.phase = .pending
                $0.sha = environment.sha
                $0.namespace = environment.namespace
                $0.createdAt = environment.createdAt
                $0.message = "live in the sink; not reconciled by this replica yet"
            }
        }
    }
}
