import Foundation
import Logging
import SandcastleCore

/// Reconciles one preview: observe (the PR from the forge, the environment from the sink) →
/// ``Planner/next(_:settings:now:)`` (the pure core decides) → execute that one step → observe
/// again, until the planner has nothing left to do now.
///
/// Level-triggered: the outcome depends only on current state, never on which event enqueued the
/// key. What the forge was told is part of what is observed, so a replica that takes over after a
/// crash finishes what the last one started.
public final class Reconciler: Sendable {
    public let dependencies: ControllerDependencies
    /// Called when slots may have freed up in a repository, so waiting PRs get another look.
    let wake: @Sendable (RepositoryName) -> Void
    let firstEvent = LockedValue([PreviewKey: Date]())
    /// When the event that started each teardown arrived, for the time-to-gone metric.
    let teardownSince = LockedValue([PreviewKey: Date]())
    /// What the forge was told about previews without an environment to record it (queued PRs,
    /// bundles refused before any apply); repeated after a restart, which is harmless.
    let toldWithoutEnvironment = LockedValue([PreviewKey: ReportRecord]())
    /// Admission re-checked and the namespace claimed one PR at a time per repository.
    let admissions = Turns<RepositoryName>()
    /// Namespaces claimed by this process, per repository (a monotonic count): with the count at
    /// observation, an upper bound of the environments that exist now.
    let claimsMade = LockedValue([RepositoryName: Int]())
    /// The most steps one reconcile takes before it yields the worker.
    static let maxSteps = 16
    /// The dashboard's one observer of what the reconciler plans and does.
    let feed: DashboardFeed

    public init(dependencies: ControllerDependencies, wake: @escaping @Sendable (RepositoryName) -> Void = { _ in }) {
        self.dependencies = dependencies
        self.wake = wake
        self.feed = DashboardFeed(book: dependencies.book, clock: dependencies.clock)
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
        dependencies.metrics.recordPhases(dependencies.book.countsByPhase)  // the gauge shows the dashboard's counts
        switch outcome {
        case .failed: logger.warning("reconcile failed", metadata: ["outcome": "\(outcome)", "seconds": "\(seconds)"])
        default: logger.info("reconciled", metadata: ["outcome": "\(outcome)", "seconds": "\(seconds)"])
        }
        return outcome
    }

    private func run(_ key: PreviewKey, logger: Logger) async -> ReconcileOutcome {
        // A repository no longer served keeps its last settings (or the defaults), so its
        // previews are torn down the way they were made, after a per-PR read.
        let served = dependencies.catalog.repository(key.repository)
        let settings = (served ?? dependencies.catalog.retired(key.repository))?.settings ?? dependencies.config.defaults
        var run = Run(key: key, settings: settings)
        let observing = ContinuousClock.now
        run.claimsAtObservation = claimsMade.withLock { $0[key.repository, default: 0] }
        do {
            (run.facts, run.recordedWaiting) = try await observe(key, settings: settings)
        } catch {
            return .failed(error.message)
        }
        run.facts.repositoryServed = served != nil
        logger.debug("observed", metadata: ["seconds": "\(Self.seconds(ContinuousClock.now - observing))"])
        for _ in 0..<Self.maxSteps {
            let plan = Planner.next(run.facts, settings: settings, now: dependencies.clock.now)
            note(plan, run: run)
            guard let step = plan.step else { return await finish(plan, run: run) }
            dependencies.onStep?(key, step)
            let started = ContinuousClock.now
            defer { logger.debug("step", metadata: ["step": "\(step)", "seconds": "\(Self.seconds(ContinuousClock.now - started))"]) }
            do {
                if try await execute(step, plan: plan, run: &run) { return .settled(plan.ending.reason) }
            } catch {
                switch error.disposition {
                case .stalled:
                    guard case .read(let pr) = run.facts.pullRequest else { return .failed(error.message) }
                    logger.error("preview failed", metadata: ["reason": "\(error.message)"])
                    run.facts.problem = StepProblem(sha: pr.headSHA, message: error.message, context: error.context)
                case .waiting: return .waiting(error.message, after: .seconds(10))
                case .transient:
                    // A failed apply is recorded by the planner (then retried with backoff); when
                    // recording it fails too, the apply is still what the retry is for.
                    if let failedApply = run.facts.failedApply { return .failed(failedApply) }
                    guard case .apply = step, run.facts.environment != nil else { return .failed(error.message) }
                    run.facts.failedApply = error.message
                    if let environment = try? await dependencies.sink.store.observe(key) { run.facts.environment = environment }
                }
            }
        }
        return .waiting("still converging after \(Self.maxSteps) steps", after: .seconds(1))
    }

    /// The reconcile's working state: the facts, and the rendered preview they summarise.
    struct Run {
        var key: PreviewKey
        var settings: PreviewSettings
        var facts: PreviewFacts
        var rendered: RenderStep.Result?
        /// The sink holds a record of this PR waiting for a slot.
        var recordedWaiting = false
        /// ``Reconciler/claimsMade`` of the repository when the facts were observed.
        var claimsAtObservation = 0
        /// The plan whose step is executing.
        var lastPlan: PreviewPlan?
        /// When the event this Ready answers arrived (for the dashboard's time to Ready).
        var readyAfterEventAt: Date?
        /// The controller remembered this PR as waiting for a slot when the reconcile ended.
        var wasQueued = false

        init(key: PreviewKey, settings: PreviewSettings) {
            self.key = key
            self.settings = settings
            self.facts = PreviewFacts(key: key, pullRequest: .unavailable("not read yet"))
        }
    }

    /// Reads the PR and the environment (at once: they are independent), and, for a preview
    /// without an environment, the repository's other environments and waiting PRs (the cap).
    func observe(_ key: PreviewKey, settings: PreviewSettings) async throws(StepError) -> (PreviewFacts, recordedWaiting: Bool) {
        let deps = dependencies
        async let reading = PullRequestObservation.reading { try await deps.source.pullRequest(key) }
        async let observing = Self.capture { try await deps.sink.store.observe(key) }
        let pullRequest = await reading
        let environment: EnvironmentFact?
        switch await observing {
        case .success(let fact): environment = fact
        case .failure(let error): throw StepError(.transient, "observing the environment: \(error)")
        }
        // The repository's other environments and waiting PRs matter only to a preview that has
        // none yet (the cap and the queue's order); the sink's record of the queue survives restarts.
        var othersLive = 0
        var waiting = deps.memory.waiting(in: key.repository)
        var waitingRecord: WaitingRecord?
        if environment == nil {
            do {
                // Waiting records first: a PR admitted in between is then seen as an environment.
                let records = try await deps.sink.store.waiting(in: key.repository)
                waitingRecord = records.first { $0.key == key }
                waiting += records.map(\.candidate)
                othersLive = try await deps.sink.store.environments(in: key.repository).filter { $0.key != key }.count
            } catch {
                throw StepError(.transient, "reading the sink: \(error)")
            }
        }
        let recordedWaiting = waiting.contains { $0.key == key }
        var facts = PreviewFacts(
            key: key, pullRequest: pullRequest, database: settings.database.enabled ? .needed : .notEnabled, environment: environment,
            othersLive: othersLive, waiting: Self.earliest(waiting, except: key),
            reportedWithoutEnvironment: toldWithoutEnvironment.withLock { $0[key] })
        facts.waitingRecord = waitingRecord
        return (facts, recordedWaiting)
    }

    /// The outcome of `body` as a value, so it can be awaited with another call in flight.
    static func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension PreviewPlan.Ending {
    /// The words of the ending.
    var reason: String {
        switch self {
        case .settled(let why), .recheck(let why, _), .retry(let why): why
        }
    }
}
