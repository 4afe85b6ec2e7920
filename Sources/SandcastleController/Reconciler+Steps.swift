import Foundation
import SandcastleCore

/// Executing the steps the planner chooses, and keeping the dashboard's record in step with the plan.
extension Reconciler {
    /// Executes `step` and updates the facts with what it observed; `true` ends the reconcile.
    func execute(_ step: PreviewStep, plan: PreviewPlan, run: inout Run) async throws(StepError) -> Bool {
        let deps = dependencies
        let key = run.key
        switch step {
        case .render:
            guard case .read(let pr) = run.facts.pullRequest else { throw StepError(.transient, "rendering needs a per-PR read") }
            let rendered: RenderStep.Result
            do {
                rendered = try await RenderStep(dependencies: deps).run(pr, settings: run.settings)
            } catch let error where error.waitingForImage != nil {
                run.facts.imageWait = ImageWait(sha: pr.headSHA, image: error.waitingForImage ?? "", since: pr.lastActivityAt)
                return false
            }
            run.facts.imageWait = nil
            run.rendered = rendered
            run.facts.render = RenderSummary(sha: pr.headSHA, contentHash: rendered.preview.contentHash, hooks: rendered.preview.hooks.map(\.spec))
        case .claim:
            let preview = try rendered(run).preview
            guard case .read(let pr) = run.facts.pullRequest else { throw StepError(.transient, "claiming needs a per-PR read") }
            let maxConcurrent = run.settings.maxConcurrent
            let candidate = AdmissionQueue.Candidate(key: key, since: pr.createdAt)
            let queued = deps.book.waiting(in: key.repository)
            let admission: (admitted: Bool, live: Int, waiting: [AdmissionQueue.Candidate])
            do {
                // The cap is checked again, and the namespace claimed, in the repository's turn:
                // two PRs admitted at the same moment must not both take the last slot.
                let observed = (live: run.facts.othersLive, waiting: run.facts.waiting.count, claims: run.claimsAtObservation)
                let claims = claimsMade
                admission = try await admissions.inTurn(key.repository) {
                    // At most the environments observed plus those claimed since (only the leader
                    // claims): far enough below the cap, nothing needs reading again.
                    let claimedSince = claims.withLock { $0[key.repository, default: 0] } - observed.claims
                    if observed.live + claimedSince + observed.waiting + 1 <= maxConcurrent {
                        try await deps.sink.store.claim(preview)
                        claims.withLock { $0[key.repository, default: 0] += 1 }
                        return (true, observed.live + claimedSince, [])
                    }
                    let waiting = (try await deps.sink.store.waiting(in: key.repository) + queued).filter { $0.key != key }
                    let live = try await deps.sink.store.environments(in: key.repository).filter { $0.key != key }.count
                    let admitted = AdmissionQueue.admit(waiting + [candidate], running: live, cap: maxConcurrent).admitted.contains(key)
                    if admitted {
                        try await deps.sink.store.claim(preview)
                        claims.withLock { $0[key.repository, default: 0] += 1 }
                    }
                    return (admitted, live, waiting)
                }
            } catch {
                throw StepError(error, doing: "claiming namespace \(preview.names.namespace)")
            }
            if admission.admitted {
                run.facts.claimed = true
                run.facts.environment = try await reobserve(key)
            } else {
                // Another PR took the slot first: the planner queues this one.
                run.facts.othersLive = admission.live
                var earliest: [PreviewKey: Date] = [:]
                for other in admission.waiting { earliest[other.key] = min(earliest[other.key] ?? other.since, other.since) }
                run.facts.waiting = earliest.map { AdmissionQueue.Candidate(key: $0.key, since: $0.value) }.sorted { $0.key < $1.key }
            }
        case .provisionDatabase:
            let preview = try await DatabaseStep(dependencies: deps).run(try rendered(run), settings: run.settings)
            run.rendered?.preview = preview
            run.facts.render = RenderSummary(sha: preview.sha, contentHash: preview.contentHash, hooks: preview.hooks.map(\.spec))
            run.facts.database = .provisioned
        case .apply(_, let why):
            let preview = try rendered(run).preview
            let now = deps.clock.now
            deps.book.update(key, now: now) {
                $0.startHead(preview.sha, at: now)
                $0.finish(.queued, at: now)
                $0.begin(.apply, at: now)
                $0.note("applying \(preview.objects.count) objects at \(preview.sha.prefix(7)): \(why)", at: now)
            }
            deps.book.setWaiting(key, since: nil)
            var failure: StepError?
            do { try await ApplyStep(dependencies: deps).run(preview) } catch { failure = error }
            let applied = deps.clock.now
            deps.book.update(key, now: applied) {
                $0.finish(.apply, at: applied, failed: failure != nil)
                if failure == nil { $0.begin(.rollout, at: applied) }
                $0.note(failure.map { "apply failed: \($0.message)" } ?? "applied \(preview.objects.count) objects", at: applied)
            }
            if let failure { throw failure }
            run.facts.environment = try await reobserve(key, afterApply: true)
        case .probe(let url):
            guard let probe = deps.probe else { throw StepError(.stalled, "readiness.http is set but this controller has no HTTP client") }
            run.facts.httpCheck = await probe.check(url: url)
        case .startHook(let hook):
            guard let job = try rendered(run).preview.hooks.first(where: { $0.manifest.name == hook.job }) else {
                throw StepError(.transient, "the hook Job \(hook.job) is not in this reconcile's render")
            }
            let now = deps.clock.now
            guard let hooks = deps.sink.hooks else { throw StepError(.stalled, "this sink cannot run the hook Job \(hook.job)") }
            do {
                try await hooks.startHook(key, job: job)
            } catch {
                throw StepError(error, doing: "starting the \(hook.stage.rawValue) Job \(hook.job)")
            }
            deps.book.update(key, now: now) {
                $0.begin(hook.stage == .seed ? .seed : .verify, at: now)
                $0.note("started the \(hook.stage.rawValue) Job \(hook.job)", at: now)
            }
            run.facts.environment?.hooks.removeAll { $0.stage == hook.stage }
            run.facts.environment?.hooks.append(HookResult(stage: hook.stage, state: .running, detail: "running", job: hook.job, startedAt: now))
        case .record(let status):
            do {
                try await deps.sink.store.record(key, status: status)
            } catch {
                throw StepError(.transient, "recording the status: \(error)")
            }
            run.facts.environment?.recorded = status
        case .report(let report):
            try await tell(report, run: &run)
        case .deleteNamespace(let reason):
            let now = deps.clock.now
            deps.book.update(key, now: now) { $0.note("tearing down: \(reason)", at: now) }
            let since = firstEvent.withLock { $0.removeValue(forKey: key) } ?? now
            teardownSince.withLock { if $0[key] == nil { $0[key] = since } }
            do {
                try await deps.sink.applier.deleteNamespace(key, reason: reason)
            } catch {
                throw StepError(error, doing: "teardown")
            }
            run.facts.environment = try await reobserve(key)
        case .dropDatabase:
            try await DatabaseStep(dependencies: deps).drop(key, settings: run.settings)
            run.facts.database = .dropped
        case .forget:
            do {
                try await deps.sink.store.forget(key)
            } catch {
                throw StepError(error, doing: "forgetting the environment")
            }
            await deps.bundles.release(key)
            if let since = teardownSince.withLock({ $0.removeValue(forKey: key) }) {
                deps.metrics.recordTimeToGone(seconds: max(0, deps.clock.now.timeIntervalSince(since)))
            }
            firstEvent.withLock { $0[key] = nil }
            deps.book.remove(key)
            toldWithoutEnvironment.withLock { $0[key] = nil }
            wake(key.repository)
            run.facts.environment = nil
            if plan.phase == nil { return true }
        }
        return false
    }

    /// Tells the forge, then records that it was told (on the environment, or in memory).
    private func tell(_ report: ForgeReport, run: inout Run) async throws(StepError) {
        let deps = dependencies
        do {
            try await ReportStep(dependencies: deps).send(report)
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
            toldWithoutEnvironment.withLock { $0[run.key] = record }
            run.facts.reportedWithoutEnvironment = record
        }
        if case .queued = report.kind, case .read(let pr) = run.facts.pullRequest {
            // The queue's order is recorded where it survives a restart.
            do {
                try await deps.sink.store.recordWaiting(
                    run.key, names: PreviewNames(key: run.key, settings: run.settings), sha: pr.headSHA, since: pr.createdAt)
            } catch {
                throw StepError(.transient, "recording the wait: \(error)")
            }
            run.recordedWaiting = true
        }
        guard case .ready = report.kind else { return }
        let readyAt = deps.clock.now
        for hook in report.hooks where hook.state == .success || hook.state == .failure {
            let stage: StageTiming.Name = hook.context == .seed ? .seed : .verify
            deps.book.update(run.key, now: readyAt) {
                if $0.stages.contains(where: { $0.name == stage && $0.state == .running }) {
                    $0.finish(stage, at: readyAt, failed: hook.state == .failure)
                    $0.note("\(hook.context.rawValue): \(hook.description)", at: readyAt)
                }
            }
        }
        let first = firstEvent.withLock { $0.removeValue(forKey: run.key) }
        deps.book.update(run.key, now: readyAt) {
            $0.finish(.rollout, at: readyAt)
            $0.finish(.ready, at: readyAt, since: first ?? $0.stages.first?.startedAt)
            $0.note("ready at \(report.url ?? "")", at: readyAt)
        }
        if let first {
            let seconds = max(0, readyAt.timeIntervalSince(first))
            deps.metrics.recordTimeToReady(seconds: seconds)
            deps.book.recordTimeToReady(seconds: seconds, at: readyAt)
        }
    }

    private func rendered(_ run: Run) throws(StepError) -> RenderStep.Result {
        guard let rendered = run.rendered else { throw StepError(.transient, "the bundle was not rendered in this reconcile") }
        return rendered
    }

    private func reobserve(_ key: PreviewKey, afterApply: Bool = false) async throws(StepError) -> EnvironmentFact? {
        do {
            return try await afterApply ? dependencies.sink.store.observeAfterApply(key) : dependencies.sink.store.observe(key)
        } catch {
            throw StepError(.transient, "observing the environment: \(error)")
        }
    }

    /// Shows the plan on the dashboard's record.
    func note(_ plan: PreviewPlan, run: Run) {
        guard let phase = plan.phase else { return }
        let deps = dependencies
        let now = deps.clock.now
        if phase == .queued, case .read(let pr) = run.facts.pullRequest { deps.book.setWaiting(run.key, since: pr.createdAt) }
        deps.book.update(run.key, now: now) { record in
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

    /// The outcome of a reconcile that has nothing left to do now.
    func finish(_ plan: PreviewPlan, run: Run) async -> ReconcileOutcome {
        // A PR recorded as waiting that no longer waits (closed, unlabelled) loses its record; one
        // admitted turned it into its environment when it claimed the namespace.
        if run.recordedWaiting, plan.phase != .queued, run.facts.environment == nil, !run.facts.claimed {
            let names = PreviewNames(key: run.key, settings: run.settings)
            do {
                try await dependencies.sink.store.recordWaiting(run.key, names: names, sha: "", since: nil)
            } catch {
                return .failed("removing the record of waiting: \(error)")
            }
        }
        if plan.phase == nil, run.facts.environment == nil || dependencies.book.record(run.key)?.phase == .queued {
            dependencies.book.remove(run.key)
        }
        if plan.phase == .queued, run.facts.othersLive < run.settings.maxConcurrent { wake(run.key.repository) }
        if plan.phase == nil, !plan.message.isEmpty { dependencies.book.update(run.key, now: dependencies.clock.now) { $0.message = plan.message } }
        switch plan.ending {
        case .settled(let why): return .settled(why)
        case .recheck(let why, let after): return .waiting(why, after: after)
        case .retry(let why): return .failed(why)
        }
    }
}
