import Foundation

extension Planner {
    /// How long a rollout is looked at again while no watch event arrives.
    public static let readinessRecheck: Duration = .seconds(30)
    /// How long a terminating namespace is looked at again while no watch event arrives.
    public static let teardownRecheck: Duration = .seconds(15)

    /// The next step for one preview, from everything observed about it. Pure: `now` is the only clock.
    ///
    /// The policy is evaluated once. The order of a deploy is: render → claim the namespace →
    /// database → apply → record and report while workloads roll out → record and report Ready.
    /// A teardown deletes the namespace, waits until it is observed gone, drops the database,
    /// posts the receipt and only then forgets the environment, so a receipt that fails is posted
    /// by a later attempt. The forge is told only what differs from what it was last told.
    public static func next(_ facts: PreviewFacts, settings: PreviewSettings, now: Date) -> PreviewPlan {
        let environment = facts.environment
        if let applied = facts.operatorApply {
            // Applied by hand, with no controller judging the workloads: only "applied" is known.
            guard let environment else { return PreviewPlan(phase: nil, message: "", ending: .settled("nothing to do: no environment")) }
            let status = stamped(.appliedByOperator(sha: applied.sha, objects: applied.objects), facts)
            guard environment.recorded != status else { return PreviewPlan(phase: .deploying, message: status.message, ending: .settled(status.message)) }
            return PreviewPlan(phase: .deploying, message: status.message, step: .record(status), ending: .settled(status.message))
        }
        if let request = facts.teardownRequest {
            guard let environment else { return PreviewPlan(phase: nil, message: "", ending: .settled("nothing to do: no environment")) }
            return tearDown(facts, environment, reason: environment.teardownReason ?? request.reason, settings: settings, now: now)
        }
        let pr: PullRequestSnapshot
        let confirmed: Bool
        switch facts.pullRequest {
        case .unavailable(let why):
            return PreviewPlan(phase: nil, message: why, ending: .retry("reading the pull request: \(why)"))
        case .notFound, .notListed:
            guard environment != nil else { return PreviewPlan(phase: nil, message: "", ending: .settled("nothing to do")) }
            return PreviewPlan(
                phase: nil, message: awaitingConfirmation, ending: .settled(awaitingConfirmation))
        case .read(let snapshot):
            pr = snapshot
            confirmed = true
        case .listed(let snapshot):
            pr = snapshot
            confirmed = false
        }
        if !facts.repositoryServed {
            let reason = "the repository is not served by Sandcastle (any more)"
            guard let environment else { return PreviewPlan(phase: nil, message: "", ending: .settled("nothing to do: \(reason)")) }
            guard confirmed else { return PreviewPlan(phase: nil, message: awaitingConfirmation, ending: .settled(awaitingConfirmation)) }
            return tearDown(facts, environment, reason: environment.teardownReason ?? reason, settings: settings, now: now)
        }
        let decision = Policy.evaluate(pr, settings: settings, now: now)
        switch decision.eligibility {
        case .undetermined(let why):
            // Not enough is known (who added the label): look again with backoff, never guess.
            return PreviewPlan(phase: nil, message: why, ending: .retry(why))
        case .ineligible(let reason):
            guard let environment else { return PreviewPlan(phase: nil, message: "", ending: .settled("nothing to do: \(reason)")) }
            guard confirmed else {
                return PreviewPlan(
                    phase: nil, message: awaitingConfirmation, ending: .settled(awaitingConfirmation))
            }
            return tearDown(facts, environment, reason: environment.teardownReason ?? reason.description, settings: settings, now: now)
        case .eligible:
            return deploy(facts, pr, decision, settings: settings, now: now)
        }
    }

    // MARK: teardown

    private static func tearDown(
        _ facts: PreviewFacts, _ environment: EnvironmentFact, reason: String, settings: PreviewSettings, now: Date
    ) -> PreviewPlan {
        let message = "tearing down: \(reason)"
        if let problem = facts.problem {
            // A namespace that is not this preview's is never deleted: a human must look.
            return PreviewPlan(phase: .terminating, message: problem.message, ending: .settled("stalled: \(problem.message)"))
        }
        switch environment.namespaceState {
        case .active:
            return PreviewPlan(phase: .terminating, message: message, step: .deleteNamespace(reason: reason), ending: .settled(message))
        case .terminating(_, let detail):
            let waiting = "namespace \(environment.namespace) is terminating" + (detail.isEmpty ? "" : ": \(detail)")
            if environment.teardownReason == nil {
                return PreviewPlan(phase: .terminating, message: message, step: .deleteNamespace(reason: reason), ending: .settled(message))
            }
            let status = stamped(.tearingDown(waiting, namespace: environment.namespaceConditions), facts)
            if environment.recorded != status {
                return PreviewPlan(phase: .terminating, message: waiting, step: .record(status), ending: .settled(waiting))
            }
            return PreviewPlan(phase: .terminating, message: waiting, ending: .recheck(waiting, after: teardownRecheck))
        case .missing:
            if settings.database.enabled, facts.database != .dropped {
                return PreviewPlan(phase: .terminating, message: message, step: .dropDatabase, ending: .settled(message))
            }
            let receipt = ForgeReport(
                key: facts.key, sha: environment.sha, kind: .tornDown(reason: reason, namespace: environment.namespace, at: now))
            if facts.teardownRequest?.tellsForge ?? true, facts.reported?.summary != receipt.record.summary {
                return PreviewPlan(phase: .terminating, message: message, step: .report(receipt), ending: .settled(message))
            }
            return PreviewPlan(phase: nil, message: "torn down: \(reason)", step: .forget, ending: .settled("torn down: \(reason)"))
        }
    }

    /// `status` judged at the environment's current generation.
    static func stamped(_ status: PreviewStatus, _ facts: PreviewFacts) -> PreviewStatus {
        var status = status
        status.observedGeneration = facts.environment?.generation
        return status
    }

    // MARK: deploy

    private static func deploy(
        _ facts: PreviewFacts, _ pr: PullRequestSnapshot, _ decision: PolicyDecision, settings: PreviewSettings, now: Date
    ) -> PreviewPlan {
        let environment = facts.environment
        if let environment {
            // A namespace Sandcastle is deleting must be gone before the preview is created again;
            // one deleted by hand is drift, applied again once it is gone.
            switch (environment.teardownReason, environment.namespaceState) {
            case (.some, .missing):
                return PreviewPlan(phase: .pending, message: "the previous teardown finished", step: .forget, ending: .settled(""))
            case (.some, _), (nil, .terminating):
                var why = "waiting for namespace \(environment.namespace) to finish terminating"
                if case .terminating(_, let detail) = environment.namespaceState, !detail.isEmpty { why += " (\(detail))" }
                return PreviewPlan(phase: .pending, message: why, ending: .recheck(why, after: teardownRecheck))
            default: break
            }
        }
        if environment == nil {
            let candidate = AdmissionQueue.Candidate(key: facts.key, since: pr.createdAt)
            let outcome = AdmissionQueue.admit(
                facts.waiting.filter { $0.key != facts.key } + [candidate], running: facts.othersLive, cap: settings.maxConcurrent)
            if let place = outcome.waiting.first(where: { $0.key == facts.key }) {
                let why = "queued at position \(place.position) of \(outcome.waiting.count)"
                let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .queued(position: place.position, of: outcome.waiting.count))
                var plan = PreviewPlan(phase: .queued, message: why, ending: .settled(why))
                plan.queuePosition = place.position
                // The wait is recorded first (the queue's order survives a restart), then told.
                if facts.waitingRecord != WaitingRecord(key: facts.key, since: pr.createdAt, sha: pr.headSHA) {
                    plan.step = .record(.waitingForSlot)
                } else if facts.reported != report.record {
                    plan.step = .report(report)
                }
                return plan
            }
        }
        let url = "https://\(PreviewNames(key: facts.key, settings: settings).host)"
        let notice = notice(decision, settings: settings, now: now)
        if let problem = facts.problem, problem.sha == pr.headSHA {
            let lines = problem.message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let summary = lines.first ?? problem.message
            let report = ForgeReport(
                key: facts.key, sha: pr.headSHA, kind: .failed(summary, context: problem.context, problems: Array(lines.dropFirst())))
            let status = PreviewStatus.notApplied(.failed, summary, reason: "Refused")
            return finish(facts, status: status, report: report, ending: .settled("failed: \(summary)"))
        }
        if let failure = facts.failedApply {
            // The planner records the failure (the applier only says it happened); the next
            // attempt comes with backoff and applies again.
            let status = stamped(.notApplied(.failed, failure, reason: "ApplyFailed"), facts)
            if let environment, environment.recorded != status {
                return PreviewPlan(phase: .failed, message: failure, step: .record(status), ending: .retry(failure))
            }
            return PreviewPlan(phase: .failed, message: failure, ending: .retry(failure))
        }
        if let plan = requiredChecksGate(facts, pr, settings: settings) { return plan }
        if let wait = facts.imageWait, wait.sha == pr.headSHA, facts.render?.sha != pr.headSHA {
            return waitForImage(facts, wait, pr, settings: settings, now: now)
        }
        guard let render = facts.render, render.sha == pr.headSHA else {
            return PreviewPlan(phase: .deploying, message: "rendering \(pr.headSHA.prefix(7))", step: .render(sha: pr.headSHA), ending: .settled(""))
        }
        if environment == nil, !facts.claimed {
            return PreviewPlan(phase: .deploying, message: "claiming the namespace", step: .claim, ending: .settled(""))
        }
        if facts.database == .needed {
            return PreviewPlan(phase: .deploying, message: "provisioning the database", step: .provisionDatabase, ending: .settled(""))
        }
        guard let environment else {
            return PreviewPlan(
                phase: .deploying, message: "applying: new preview", step: .apply(render, because: "new preview"), ending: .settled(""))
        }
        if let why = applyReason(environment, render) {
            // A new commit (or one after a failure) is recorded as being applied first, so the
            // environment never shows the last commit's Ready (or Failed) beside the new commit.
            let applying = stamped(.applying(render.sha, because: why), facts)
            let stale = environment.sha != render.sha || environment.recorded?.phase == .failed
            if stale, environment.recorded != applying {
                return PreviewPlan(phase: .deploying, message: "applying: \(why)", step: .record(applying), ending: .settled(""))
            }
            return PreviewPlan(phase: .deploying, message: "applying: \(why)", step: .apply(render, because: why), ending: .settled(""))
        }
        var plan = readiness(facts, environment, pr, decision, url: url, notice: notice, settings: settings, now: now)
        plan.url = url
        plan.expiresAt = decision.expiresAt
        plan.pinnedUntil = decision.pinned ? decision.expiresAt : nil
        return plan
    }

    /// `trigger.requiredChecks`: a head commit is deployed only once each of them succeeded on it;
    /// while one runs GitHub hears what is waited for, a failed one is reported, and either way
    /// nothing is applied for the commit (a preview of an earlier commit stays up).
    private static func requiredChecksGate(_ facts: PreviewFacts, _ pr: PullRequestSnapshot, settings: PreviewSettings) -> PreviewPlan? {
        let required = settings.trigger.requiredChecks
        guard !required.isEmpty else { return nil }
        if let environment = facts.environment, environment.sha == pr.headSHA, !environment.contentHash.isEmpty { return nil }
        let checks = pr.checks ?? [:]
        for name in required {
            guard case .failure(let why) = checks[name] else { continue }
            let message = "required check \(name) failed on \(pr.headSHA.prefix(7)) (\(why)); nothing is deployed for this commit"
            let status = PreviewStatus.notApplied(.failed, message, reason: "RequiredCheckFailed")
            let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .failed(message, context: .deploy, problems: []))
            return finish(facts, status: status, report: report, ending: .settled("failed: \(message)"))
        }
        let waiting = required.filter { checks[$0] != .success }
        guard !waiting.isEmpty else { return nil }
        let why = "waiting for required checks: " + waiting.joined(separator: ", ")
        let status = PreviewStatus.notApplied(.pending, why, reason: "WaitingForChecks")
        let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .deploying(why))
        // Check webhooks bring the change; the recheck is the safety net.
        return finish(facts, status: status, report: report, ending: .recheck(why, after: .seconds(60)))
    }

    /// An image of the head commit is not pushed yet: nothing is applied for it (an earlier
    /// commit's preview stays up), GitHub hears what is waited for, and the registry is asked
    /// again with backoff until `images.waitTimeout` after the push.
    private static func waitForImage(
        _ facts: PreviewFacts, _ wait: ImageWait, _ pr: PullRequestSnapshot, settings: PreviewSettings, now: Date
    ) -> PreviewPlan {
        let timeout = settings.imageOptions.waitTimeout
        let waited = max(0, now.timeIntervalSince(wait.since))
        if waited >= TimeInterval(timeout.seconds) {
            let why = "\(wait.image) was not pushed within \(timeout)"
            let status = PreviewStatus.notApplied(.failed, why, reason: "ImageNotFound")
            let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .failed(why, context: .deploy, problems: []))
            return finish(facts, status: status, report: report, ending: .settled("failed: \(why)"))
        }
        let why = "waiting for \(wait.image)"
        let status = PreviewStatus.notApplied(.waitingForImage, why, reason: "WaitingForImage")
        let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .deploying(why))
        // Soon after the push CI is likely still building: look often, then less often.
        let after = Duration.seconds(Int(min(60, max(5, waited / 10)).rounded()))
        return finish(facts, status: status, report: report, ending: .recheck(why, after: after))
    }

    /// Why the rendered set must be applied; `nil` when the environment holds it intact.
    static func applyReason(_ environment: EnvironmentFact, _ render: RenderSummary) -> String? {
        if environment.contentHash.isEmpty { return environment.applyFailure == nil ? "new preview" : "the last apply did not complete" }
        if environment.contentHash != render.contentHash { return "content changed at \(render.sha.prefix(7))" }
        if environment.applyFailure != nil { return "the last apply failed" }
        if environment.namespaceState == .missing { return "repair: namespace \(environment.namespace) is gone" }
        if !environment.drift.isEmpty { return "repair: " + environment.drift.joined(separator: ", ") }
        return nil
    }

    private static func notice(_ decision: PolicyDecision, settings: PreviewSettings, now: Date) -> String? {
        if decision.pinned {
            return "Pinned by the \(settings.preserve.label) label until \(RFC3339.string(decision.expiresAt))."
        }
        if now >= decision.warnFrom {
            return
                "This preview expires at \(RFC3339.string(decision.expiresAt)) unless there is new activity; add the \(settings.preserve.label) label to keep it."
        }
        return nil
    }

    // MARK: readiness

    private static func readiness(
        _ facts: PreviewFacts, _ environment: EnvironmentFact, _ pr: PullRequestSnapshot, _ decision: PolicyDecision, url: String,
        notice: String?, settings: PreviewSettings, now: Date
    ) -> PreviewPlan {
        var workloadLines: [String: String] = [:]
        // What is recorded on the environment, and what GitHub hears: the same, except routine
        // progress (no complaint from the cluster), which GitHub hears once, not at every count.
        var waiting: [(record: String, told: String)] = []
        var failed: [String] = []
        switch environment.workloads {
        case .unobservable: break
        case .observed(let workloads):
            for workload in workloads {
                switch workload.readiness {
                case .ready: workloadLines[workload.name] = "Ready"
                case .progressing(let why):
                    // What the cluster says is wrong (a pod's waiting reason, a quota) tells more than the replica count.
                    if workload.diagnosis.isEmpty {
                        workloadLines[workload.name] = why
                        waiting.append((why, "waiting for \(workload.name) to become available"))
                    } else {
                        let line = "\(workload.name): " + workload.diagnosis.joined(separator: "; ")
                        workloadLines[workload.name] = line
                        waiting.append((line, line))
                    }
                case .failed(let why):
                    let line = ([why] + workload.diagnosis).joined(separator: "; ")
                    workloadLines[workload.name] = line
                    failed.append(line)
                }
            }
        }
        var recheck = readinessRecheck
        if waiting.isEmpty, failed.isEmpty, let http = settings.readiness.http {
            // Workloads are available; the preview is Ready once its URL answers.
            let variables = RenderContext(key: facts.key, sha: pr.headSHA, settings: settings).variables
            let url = (try? http.url.render(variables)) ?? http.url.source
            guard let answer = facts.httpCheck, answer.url == url else {
                return PreviewPlan(phase: .deploying, message: "checking \(url)", step: .probe(url: url), ending: .settled(""))
            }
            if answer.status != http.expectStatus {
                let got = answer.status.map { "answered \($0)" } ?? (answer.error ?? "no answer")
                let line = "\(url) \(got) (expected \(http.expectStatus))"
                waiting.append((line, line))
                recheck = .seconds(http.interval.seconds)
            }
        }
        let started = environment.deployStartedAt ?? environment.createdAt
        let timeout = TimeInterval(settings.readiness.timeout.seconds)
        if failed.isEmpty, !waiting.isEmpty, now.timeIntervalSince(started) >= timeout {
            failed = ["not ready after \(settings.readiness.timeout): " + waiting[0].record]
        }
        if let first = failed.first {
            let status = PreviewStatus.applied(
                .failed, sha: pr.headSHA, message: first, workloads: (false, "RolloutFailed", first), lines: workloadLines)
            let report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .failed(first, context: .deploy, problems: Array(failed.dropFirst())))
            return finish(facts, status: status, report: report, ending: .settled("failed: \(first)"))
        }
        if let first = waiting.first {
            let more = waiting.count > 1 ? " (and \(waiting.count - 1) more)" : ""
            let why = first.record + more
            let status = PreviewStatus.applied(
                .deploying, sha: pr.headSHA, message: why, workloads: (false, "RollingOut", why), lines: workloadLines)
            var report = ForgeReport(key: facts.key, sha: pr.headSHA, kind: .deploying(first.told + more), expiresAt: decision.expiresAt)
            report.notice = notice
            let left = max(1, timeout - now.timeIntervalSince(started))
            let after = min(recheck, .seconds(Int(left.rounded(.up))))
            return finish(facts, status: status, report: report, ending: .recheck(why, after: after))
        }
        let observed = environment.workloads == .unobservable ? "applied (this sink cannot observe workloads)" : "every workload is available"
        let status = stamped(
            .applied(
                .ready, sha: pr.headSHA, message: "ready at \(url)", workloads: (true, "Available", observed), ready: ("Ready", url),
                lines: workloadLines), facts)
        var durations: [PreviewComment.StageTime] = []
        if let applyStart = environment.deployStartedAt, let appliedAt = environment.appliedAt {
            durations = [
                .init("apply", seconds: max(0, appliedAt.timeIntervalSince(applyStart))),
                .init("rollout", seconds: max(0, now.timeIntervalSince(appliedAt))),
            ]
        }
        let hooks = HookProgress.evaluate(
            facts.render?.hooks ?? [], observed: environment.hooks, observable: environment.hooksObservable, readySince: environment.readySince,
            namespace: environment.namespace, now: now)
        var report = ForgeReport(
            key: facts.key, sha: pr.headSHA, kind: .ready, url: url, hooks: hooks.stages, notice: notice, expiresAt: decision.expiresAt,
            durations: durations)
        report.hookOutputs = hooks.outputs
        let ending: PreviewPlan.Ending =
            hooks.recheck.map { .recheck("hook Jobs are running or due", after: $0) } ?? .settled("ready at \(pr.headSHA.prefix(7))")
        // Ready is recorded first; then the next hook Job starts; then GitHub hears of both.
        if let start = hooks.start, environment.recorded == status {
            return PreviewPlan(phase: .ready, message: status.message, step: .startHook(start), ending: ending)
        }
        return finish(facts, status: status, report: report, ending: ending)
    }

    /// Records the status, then tells the forge, each only when it differs from what is recorded.
    private static func finish(_ facts: PreviewFacts, status: PreviewStatus, report: ForgeReport, ending: PreviewPlan.Ending) -> PreviewPlan {
        let status = stamped(status, facts)
        if let environment = facts.environment, environment.recorded != status {
            return PreviewPlan(phase: status.phase, message: status.message, step: .record(status), ending: ending)
        }
        if facts.reported != report.record {
            return PreviewPlan(phase: status.phase, message: status.message, step: .report(report), ending: ending)
        }
        return PreviewPlan(phase: status.phase, message: status.message, ending: ending)
    }
}
