import Foundation
import Logging
import SandcastleCore

/// What this replica knows about its leadership, shown by `/readyz`, the dashboard and metrics,
/// and logged: a failure is logged once per distinct message, then at most once per
/// `repeatLogInterval` with the number of repeats, and recovery is logged once.
public final class LeadershipMonitor: Sendable {
    /// The state shown to operators.
    public struct Status: Sendable, Equatable {
        public var isLeader = false
        /// The holder of a live lease when another replica leads.
        public var holder: String?
        /// The last failure's message, while attempts keep failing.
        public var lastError: String?
        /// When attempts started failing (cleared by the first success).
        public var failingSince: Date?
        /// Failed attempts in total.
        public var errors = 0
        /// Whether any attempt has been made yet.
        public var attempted = false
    }

    private struct State {
        var status = Status()
        var lastLogged: (message: String, at: Date)?
        var suppressed = 0
    }

    private let state = LockedValue(State())
    private let logger: Logger
    private let metrics: ControllerMetrics
    private let clock: any WallClock
    /// How long leadership may fail before `/readyz` reports it (the lease duration).
    public let leaseDuration: TimeInterval
    public let repeatLogInterval: TimeInterval

    public init(
        logger: Logger, metrics: ControllerMetrics, clock: any WallClock = SystemClock(), leaseDuration: TimeInterval = 15,
        repeatLogInterval: TimeInterval = 300
    ) {
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.leaseDuration = leaseDuration
        self.repeatLogInterval = repeatLogInterval
        metrics.recordLeader(false)
    }

    public var status: Status { state.withLock { $0.status } }

    /// Records one attempt's outcome.
    public func observe(_ event: LeaderElectionEvent) {
        let now = clock.now
        var log: (Logger.Level, Logger.Message, Logger.Metadata)?
        let leader = state.withLock { state -> Bool in
            state.status.attempted = true
            switch event {
            case .leading, .following:
                if let since = state.status.failingSince {
                    log = (
                        .notice, "leader election works again",
                        ["failedFor": "\(Int(now.timeIntervalSince(since)))s", "failures": "\(state.suppressed)"]
                    )
                }
                state.status.failingSince = nil
                state.status.lastError = nil
                state.lastLogged = nil
                state.suppressed = 0
                if case .following(let holder) = event {
                    if state.status.isLeader || state.status.holder != holder {
                        log = log ?? (.info, "following: another replica leads", ["holder": "\(holder)"])
                    }
                    state.status.isLeader = false
                    state.status.holder = holder
                } else {
                    state.status.isLeader = true
                    state.status.holder = nil
                }
            case .failed(let message, let stillLeading):
                state.status.errors += 1
                state.status.lastError = message
                state.status.failingSince = state.status.failingSince ?? now
                state.status.isLeader = stillLeading
                if let last = state.lastLogged, last.message == message, now.timeIntervalSince(last.at) < repeatLogInterval {
                    state.suppressed += 1
                } else {
                    var metadata: Logger.Metadata = ["error": "\(message)"]
                    if state.suppressed > 0 { metadata["repeats"] = "\(state.suppressed)" }
                    log = (.error, "leader election failed; this replica does not lead", metadata)
                    state.lastLogged = (message, now)
                    state.suppressed = 0
                }
            case .stopped:
                state.status.isLeader = false
            }
            return state.status.isLeader
        }
        if case .failed = event { metrics.recordLeaderElectionError() }
        metrics.recordLeader(leader)
        if let (level, message, metadata) = log { logger.log(level: level, message, metadata: metadata) }
    }

    /// Why this replica does not lead, in words; `nil` while it leads or before the first attempt.
    public var notLeadingReason: String? {
        let status = self.status
        if status.isLeader || !status.attempted { return nil }
        if let error = status.lastError { return error }
        if let holder = status.holder { return "the lease is held by \(holder)" }
        return "it has not acquired the lease yet"
    }

    /// `/readyz`'s line about leadership: a problem once attempts have failed for longer than the
    /// lease duration; the replica still accepts webhooks (they wait in the queue).
    public var readinessProblem: String? {
        let status = self.status
        guard let since = status.failingSince, let error = status.lastError else { return nil }
        let seconds = clock.now.timeIntervalSince(since)
        guard seconds > leaseDuration else { return nil }
        return "leader election failing for \(Int(seconds)) s (webhooks are still accepted and queued): \(error)"
    }
}
