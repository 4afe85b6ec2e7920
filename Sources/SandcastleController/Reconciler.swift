import Foundation
import Logging
import SandcastleCore

/// Reconciles one preview: observe (the PR from the forge, environments from the sink) → plan
/// (the pure core) → execute the steps → report on the PreviewEnvironment (the sink) and on GitHub.
///
/// Level-triggered: the outcome depends only on current state, never on which event enqueued the
/// key or in what order events came. Teardowns happen only after a per-PR read in this reconcile.
public final class Reconciler: Sendable {
    public let dependencies: ControllerDependencies
    /// Called when slots may have freed up in a repository, so waiting PRs get another look.
    private let wake: @Sendable (RepositoryName) -> Void
    private let firstEvent = LockedValue([PreviewKey: Date]())

    public init(dependencies: ControllerDependencies, wake: @escaping @Sendable (RepositoryName) -> Void = { _ in }) {
        self.dependencies = dependencies
        self.wake = wake
    }

    /// Notes when an event about `key` arrived, for the event-to-ready metric.
    public func noteEvent(_ key: PreviewKey, at time: Date) {
        firstEvent.withLock { if $0[key] == nil { $0[key] = time } }
    }

    /// Runs one reconcile of `key` and records its duration and result.
    public func reconcile(_ key: PreviewKey) async -> ReconcileOutcome {
        let started = ContinuousClock.now
        var logger = dependencies.logger
        logger[metadataKey: "repository"] = "\(key.repository)"
        logger[metadataKey: "pr"] = "\(key.number)"
        let outcome = await run(key, logger: logger)
        let seconds = Self.seconds(ContinuousClock.now - started)
        dependencies.metrics.recordReconcile(seconds: seconds, result: outcome.label)
        dependencies.metrics.recordPhases(dependencies.book.countsByPhase)
        switch outcome {
        case .failed: logger.warning("reconcile failed", metadata: ["outcome": "\(outcome)", "seconds": "\(seconds)"])
        default: logger.info("reconciled", metadata: ["outcome": "\(outcome)", "seconds": "\(seconds)"])
        }
        return outcome
    }

    private func run(_ key: PreviewKey, logger: Logger) async -> ReconcileOutcome {
        let deps = dependencies
        guard let repository = deps.config.repository(key.repository) else { return .settled("repository not configured") }
        let settings = repository.settings
        // The two observations are independent: read both at once.
        async let reading = PullRequestObservation.reading { try await deps.source.pullRequest(key) }
        async let listing = Self.capture { try await deps.sink.environments(in: key.repository) }
        let observation = await reading
        if case .unavailable(let why) = observation { return .failed("reading the pull request: \(why)") }
        let environments: [ObservedEnvironment]
        switch await listing {
        case .success(let list): environments = list
        case .failure(let error): return .failed("reading the sink: \(error)")
        }
        let environment = environments.first { $0.key == key }
        let now = deps.clock.now

        // Render only what may be deployed: an open PR the policy finds eligible.
        var rendered: RenderStep.Result?
        if case .read(let pr) = observation, Policy.evaluate(pr, settings: settings, now: now).eligibility == .eligible {
            do {
                rendered = try await RenderStep(dependencies: deps).run(pr, settings: settings)
            } catch {
                return await settle(failure: error, pr: pr, logger: logger)
            }
        }
        var preview = rendered?.preview
        var actions = plan(key, observation, preview, environments, settings: settings, now: now)
        if settings.database.enabled, let rendered, actions.contains(where: Self.deploys) {
            do {
                preview = try await DatabaseStep(dependencies: deps).run(rendered, settings: settings)
            } catch {
                guard case .read(let pr) = observation else { return .failed(error.description) }
                return await settle(failure: error, pr: pr, logger: logger)
            }
            actions = plan(key, observation, preview, environments, settings: settings, now: now)
        }
        logger.debug("planned", metadata: ["actions": "\(actions.map(\.description))"])

        var notice: String?
        var pinnedUntil: Date?
        for action in actions {
            switch action {
            case .report(_, .expiryWarning(let at)):
                notice =
                    "This preview expires at \(RFC3339.string(at)) unless there is new activity; add the \(settings.preserve.label) label to keep it."
            case .report(_, .pinned(let until)):
                notice = "Pinned by the \(settings.preserve.label) label until \(RFC3339.string(until))."
                pinnedUntil = until
            default: break
            }
        }
        for action in actions {
            switch action {
            case .create, .update, .report(_, .upToDate):
                guard case .read(let pr) = observation, let preview else { continue }
                deps.book.update(key, now: now) { $0.pinnedUntil = pinnedUntil }
                return await deploy(pr, preview, environment: environment, settings: settings, notice: notice, now: now)
            case .teardown(_, let reason):
                return await tearDown(key, environment: environment, reason: reason.description, settings: settings)
            case .hold(_, .queued(let position, let total)):
                guard case .read(let pr) = observation else { continue }
                deps.book.setWaiting(key, since: pr.createdAt)
                deps.book.update(key, now: now) {
                    $0.phase = .queued
                    $0.startHead(pr.headSHA, at: now)
                    $0.begin(.queued, at: now)
                    $0.queuePosition = position
                    $0.message = "waiting for a free slot (\(settings.maxConcurrent) per repository)"
                    $0.note("queued at position \(position) of \(total)", at: now)
                }
                do {
                    try await ReportStep(dependencies: deps).queued(pr, position: position, of: total)
                } catch {
                    return .failed("reporting the queue position: \(error)")
                }
                if environments.filter({ $0.key.repository == key.repository }).count < settings.maxConcurrent { wake(key.repository) }
                return .settled("queued at position \(position) of \(total)")
            case .hold(_, .inconclusive(let why)), .hold(_, .undetermined(let why)):
                deps.book.update(key, now: now) { $0.message = why }
                return .failed(why)
            case .hold(_, .awaitingConfirmation):
                return .settled("the pull request could not be read (404); nothing is torn down without proof")
            case .hold, .halt, .report:
                continue
            }
        }
        // Nothing to deploy or remove (e.g. a PR without the label): forget any queue place.
        if deps.book.record(key)?.phase == .queued || environment == nil { deps.book.remove(key) }
        return .settled("nothing to do")
    }

    private func plan(
        _ key: PreviewKey, _ observation: PullRequestObservation, _ preview: RenderedPreview?, _ environments: [ObservedEnvironment],
        settings: PreviewSettings, now: Date
    ) -> [Action] {
        let render = preview.map { RenderSummary(sha: $0.sha, contentHash: $0.contentHash) }
        let desired = DesiredState(previews: [DesiredPreview(key: key, observation: observation, settings: settings, render: render)])
        return Planner.plan(
            desired: desired, observed: .environments(environments), now: now, scope: [key],
            waiting: dependencies.book.waiting(in: key.repository).filter { $0.key != key })
    }

    private static func deploys(_ action: Action) -> Bool {
        switch action {
        case .create, .update, .report(_, .upToDate): true
        default: false
        }
    }

    // MARK: deploy

    private func deploy(
        _ pr: PullRequestSnapshot, _ preview: RenderedPreview, environment: ObservedEnvironment?, settings: PreviewSettings, notice: String?,
        now: Date
    ) async -> ReconcileOutcome {
        let deps = dependencies
        let url = "https://\(preview.names.host)"
        let report = ReportStep(dependencies: deps)
        // A preview whose last apply failed or was cut short is applied again even at the same content.
        let changed = environment?.contentHash != preview.contentHash || environment?.converged == false
        deps.book.setWaiting(pr.key, since: nil)
        if changed {
            deps.book.update(pr.key, now: now) {
                $0.phase = .deploying
                $0.startHead(pr.headSHA, at: now)
                $0.finish(.queued, at: now)
                $0.begin(.apply, at: now)
                $0.namespace = preview.names.namespace
                $0.queuePosition = nil
                $0.message = "applying \(preview.objects.count) objects"
                $0.note("applying \(preview.objects.count) objects at \(pr.headSHA.prefix(7))", at: now)
            }
            // The progress report goes out while the apply runs; it is best effort, so GitHub
            // failing never holds the environment back.
            async let progress: Void = report.deploying(pr, url: url)
            var failure: StepOutcome?
            do {
                try await ApplyStep(dependencies: deps).run(preview)
            } catch {
                failure = error
            }
            do {
                try await progress
            } catch {
                deps.logger.warning("reporting progress failed", metadata: ["error": "\(error)"])
            }
            let applied = deps.clock.now
            deps.book.update(pr.key, now: applied) {
                $0.finish(.apply, at: applied, failed: failure != nil)
                $0.note(failure.map { "apply failed: \($0.message)" } ?? "applied \(preview.objects.count) objects", at: applied)
            }
            if let failure { return await settle(step: failure, pr: pr) }
        }
        let hooks = await HookStep(dependencies: deps).run(pr.key, sha: pr.headSHA, settings: settings)
        deps.book.update(pr.key, now: deps.clock.now) { record in
            for stage in hooks.stages {
                let name: StageTiming.Name = stage.context == .seed ? .seed : .verify
                switch stage.state {
                case .pending: record.begin(name, at: deps.clock.now)
                case .success: record.finish(name, at: deps.clock.now)
                case .failure, .error: record.finish(name, at: deps.clock.now, failed: true)
                }
            }
        }
        let decision = Policy.evaluate(pr, settings: settings, now: now)
        do {
            try await report.ready(pr, url: url, hooks: hooks.stages, expiresAt: decision.expiresAt, notice: notice)
        } catch {
            return .failed("reporting readiness: \(error)")
        }
        let first = firstEvent.withLock { $0.removeValue(forKey: pr.key) }
        let readyAt = deps.clock.now
        deps.book.update(pr.key, now: now) {
            if $0.phase != .ready { $0.note("ready at \(url)", at: readyAt) }
            $0.phase = .ready
            $0.url = url
            $0.startHead(pr.headSHA, at: readyAt)
            $0.finish(.ready, at: readyAt, since: first ?? $0.stages.first?.startedAt)
            $0.namespace = preview.names.namespace
            $0.createdAt = environment?.createdAt ?? now
            $0.expiresAt = decision.expiresAt
            $0.queuePosition = nil
            $0.message = notice ?? (changed ? "deployed \(preview.objects.count) objects" : "up to date")
        }
        if let first {
            let seconds = max(0, readyAt.timeIntervalSince(first))
            deps.metrics.recordEventToReady(seconds: seconds)
            deps.book.recordTimeToReady(seconds: seconds, at: readyAt)
        }
        if hooks.running { return .waiting("hook Jobs are running", after: .seconds(15)) }
        return .settled(changed ? "applied \(pr.headSHA.prefix(7))" : "up to date at \(pr.headSHA.prefix(7))")
    }

    // MARK: teardown

    private func tearDown(_ key: PreviewKey, environment: ObservedEnvironment?, reason: String, settings: PreviewSettings) async -> ReconcileOutcome {
        let deps = dependencies
        let started = ContinuousClock.now
        deps.book.update(key, now: deps.clock.now) {
            $0.phase = .tearingDown
            $0.message = "tearing down: \(reason)"
            $0.note("tearing down: \(reason)", at: deps.clock.now)
        }
        do {
            try await CleanupStep(dependencies: deps).run(key, settings: settings)
        } catch {
            deps.book.update(key, now: deps.clock.now) { $0.message = error.message }
            switch error.disposition {
            case .waiting: return .waiting(error.message, after: .seconds(30))
            case .stalled: return .settled("stalled: \(error.message)")
            case .transient: return .failed(error.message)
            }
        }
        deps.metrics.recordTeardown(seconds: Self.seconds(ContinuousClock.now - started))
        deps.book.remove(key)
        wake(key.repository)
        let namespace = environment?.namespace ?? PreviewNames(key: key, settings: settings).namespace
        do {
            try await ReportStep(dependencies: deps).tornDown(
                key, sha: environment?.sha ?? "", reason: reason, namespace: namespace, at: deps.clock.now)
        } catch {
            // The environment is gone; the next reconcile finds nothing to remove, so report now or never:
            // retry with backoff only for the receipt's sake.
            return .failed("reporting the teardown: \(error)")
        }
        return .settled("torn down: \(reason)")
    }

    // MARK: failures

    /// A failure a human must fix is reported on the PR and settles; a transient one is retried.
    private func settle(failure: StepFailure, pr: PullRequestSnapshot, logger: Logger) async -> ReconcileOutcome {
        switch failure {
        case .transient(let why):
            return .failed(why)
        case .invalid(let why, let context):
            dependencies.book.update(pr.key, now: dependencies.clock.now) {
                $0.phase = .failed
                $0.startHead(pr.headSHA, at: dependencies.clock.now)
                $0.message = why
                $0.note("failed: \(why)", at: dependencies.clock.now)
            }
            do {
                try await ReportStep(dependencies: dependencies).failed(pr, message: why, context: context)
            } catch {
                return .failed("reporting the failure: \(error)")
            }
            logger.error("preview failed", metadata: ["reason": "\(why)"])
            return .settled("failed: \(why)")
        }
    }

    private func settle(step: StepOutcome, pr: PullRequestSnapshot) async -> ReconcileOutcome {
        switch step.disposition {
        case .waiting: return .waiting(step.message, after: .seconds(10))
        case .transient: return .failed(step.message)
        case .stalled:
            dependencies.book.update(pr.key, now: dependencies.clock.now) {
                $0.phase = .failed
                $0.message = step.message
                $0.note("failed: \(step.message)", at: dependencies.clock.now)
            }
            try? await ReportStep(dependencies: dependencies).failed(pr, message: step.message)
            return .settled("stalled: \(step.message)")
        }
    }

    /// The outcome of `body` as a value, so it can be awaited with another call in flight.
    private static func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
