import CoreMetrics
import Foundation
import SandcastleCore

/// The controller's metrics, created through one `MetricsFactory` (Prometheus in `sandcastle run`,
/// a fresh registry per test), so nothing depends on the global bootstrap.
public final class ControllerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let phaseGauges: [PreviewPhase: Gauge]
    private let queueDepth: Gauge
    private let reconcileDuration: CoreMetrics.Timer
    private let timeToGone: CoreMetrics.Timer
    private let timeToReady: CoreMetrics.Timer
    private let breakerTrips: Counter
    private let githubRemaining: Gauge
    private let githubRequests: Counter
    private let lastGitHubRequests = LockedValue(0)
    private let reconcileCounters: [String: Counter]
    private let webhookCounters: LockedValue<[String: Counter]> = LockedValue([:])
    private let resyncFailures: Counter
    private let leader: Gauge
    private let leaderElectionErrors: Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        phaseGauges = Dictionary(
            uniqueKeysWithValues: PreviewPhase.allCases.map {
                ($0, Gauge(label: "sandcastle_previews", dimensions: [("phase", $0.rawValue)], factory: factory))
            })
        queueDepth = Gauge(label: "sandcastle_queue_depth", factory: factory)
        reconcileDuration = CoreMetrics.Timer(label: "sandcastle_reconcile_duration_seconds", preferredDisplayUnit: .seconds, factory: factory)
        timeToGone = CoreMetrics.Timer(label: "sandcastle_time_to_gone_seconds", preferredDisplayUnit: .seconds, factory: factory)
        timeToReady = CoreMetrics.Timer(label: "sandcastle_time_to_ready_seconds", preferredDisplayUnit: .seconds, factory: factory)
        breakerTrips = Counter(label: "sandcastle_breaker_trips_total", factory: factory)
        githubRemaining = Gauge(label: "sandcastle_github_rate_limit_remaining", factory: factory)
        githubRequests = Counter(label: "sandcastle_github_requests_total", factory: factory)
        resyncFailures = Counter(label: "sandcastle_resync_listing_failures_total", factory: factory)
        leader = Gauge(label: "sandcastle_leader", factory: factory)
        leaderElectionErrors = Counter(label: "sandcastle_leader_election_errors_total", factory: factory)
        reconcileCounters = Dictionary(
            uniqueKeysWithValues: ["settled", "requeued", "failed"].map {
                ($0, Counter(label: "sandcastle_reconciles_total", dimensions: [("result", $0)], factory: factory))
            })
    }

    /// Sets the per-phase gauge from the book.
    public func recordPhases(_ counts: [PreviewPhase: Int]) {
        for (phase, gauge) in phaseGauges { gauge.record(counts[phase] ?? 0) }
    }

    public func recordQueueDepth(_ depth: Int) { queueDepth.record(depth) }

    public func recordReconcile(seconds: Double, result: String) {
        reconcileDuration.recordSeconds(seconds)
        reconcileCounters[result]?.increment()
    }

    /// From the close (or label removal) event to the namespace observed gone.
    public func recordTimeToGone(seconds: Double) { timeToGone.recordSeconds(seconds) }
    /// From the first event for a head commit to the preview observed ready.
    public func recordTimeToReady(seconds: Double) { timeToReady.recordSeconds(seconds) }
    public func recordBreakerTrip() { breakerTrips.increment() }
    public func recordResyncFailure() { resyncFailures.increment() }
    /// `sandcastle_leader`: 1 while this replica leads, else 0.
    public func recordLeader(_ leading: Bool) { leader.record(leading ? 1 : 0) }
    public func recordLeaderElectionError() { leaderElectionErrors.increment() }

    /// Counts one webhook delivery by its outcome (`enqueued`, `duplicate`, `unauthorized`, …).
    public func recordWebhook(outcome: String) {
        let counter = webhookCounters.withLock { counters in
            if let counter = counters[outcome] { return counter }
            let counter = Counter(label: "sandcastle_webhook_deliveries_total", dimensions: [("outcome", outcome)], factory: factory)
            counters[outcome] = counter
            return counter
        }
        counter.increment()
    }

    /// Records the GitHub client's running request total and the lowest remaining rate limit.
    public func recordGitHub(requestsSent total: Int, remaining: Int?) {
        let delta = lastGitHubRequests.withLock { last in
            defer { last = max(last, total) }
            return max(0, total - last)
        }
        if delta > 0 { githubRequests.increment(by: delta) }
        if let remaining { githubRemaining.record(remaining) }
    }
}
