import Foundation
import SandcastleCore

/// One row of the dashboard and of `GET /api/previews`.
public struct PreviewRecord: Sendable, Hashable, Codable {
    public var repository: String
    public var number: Int
    public var pullRequestURL: String
    public var phase: PreviewPhase
    public var url: String?
    public var sha: String?
    public var namespace: String?
    public var createdAt: Date?
    public var expiresAt: Date?
    public var queuePosition: Int?
    /// Until when the `preserve` label pins the preview.
    public var pinnedUntil: Date?
    /// The current reason: why it waits, failed, or what it did last.
    public var message: String
    public var updatedAt: Date
    /// The head commit's stages as observed (`PreviewRecord+Timeline.swift`).
    public var stages: [StageTiming] = []
    /// The last few things that happened, oldest first.
    public var events: [PreviewEvent] = []
    /// What the forge refused to take (e.g. the sticky comment), until it takes it.
    public var reportingProblem: String?
}

/// The controller's in-memory view of every preview it knows: the source of the dashboard, the
/// JSON API and the per-phase gauge. Written by ``DashboardFeed`` only and never read for a
/// decision (``ControllerMemory`` and the environment store are); rebuilt by reconciling.
public final class PreviewBook: Sendable {
    private struct State {
        var records: [PreviewKey: PreviewRecord] = [:]
        var lastBreakerTrip: String?
        /// Time to Ready of each preview that became Ready, for the summary (last 24 h kept).
        var readyTimes: [(at: Date, seconds: Double)] = []
    }

    private let state = LockedValue(State())
    /// The web address of PRs: `https://github.com`, or the GitHub Enterprise host.
    public let webURL: String

    public init(webURL: String = "https://github.com") { self.webURL = webURL }

    /// Every record, by repository and number.
    public var records: [PreviewRecord] { state.withLock { $0.records.values.sorted { ($0.repository, $0.number) < ($1.repository, $1.number) } } }

    /// Records per phase, every phase present (zero when none).
    public var countsByPhase: [PreviewPhase: Int] {
        state.withLock { state in
            var counts = Dictionary(uniqueKeysWithValues: PreviewPhase.allCases.map { ($0, 0) })
            for record in state.records.values { counts[record.phase, default: 0] += 1 }
            return counts
        }
    }

    public func record(_ key: PreviewKey) -> PreviewRecord? { state.withLock { $0.records[key] } }

    /// Sets the record of `key`, keeping fields `change` leaves alone.
    public func update(_ key: PreviewKey, now: Date, _ change: (inout PreviewRecord) -> Void) {
        state.withLock { state in
            var record =
                state.records[key]
                ?? PreviewRecord(
                    repository: key.repository.description, number: key.number,
                    pullRequestURL: "\(webURL)/\(key.repository.owner)/\(key.repository.name)/pull/\(key.number)", phase: .deploying,
                    message: "", updatedAt: now)
            change(&record)
            record.updatedAt = now
            state.records[key] = record
        }
    }

    /// Sets the record of `key` with `change` only when there is none yet.
    public func insertIfAbsent(_ key: PreviewKey, now: Date, _ change: (inout PreviewRecord) -> Void) {
        guard record(key) == nil else { return }
        update(key, now: now, change)
    }

    /// Forgets `key` (after its teardown).
    public func remove(_ key: PreviewKey) { state.withLock { $0.records[key] = nil } }

    /// Records how long a preview took from its first event to Ready.
    public func recordTimeToReady(seconds: Double, at time: Date) {
        state.withLock { state in
            state.readyTimes.append((time, seconds))
            state.readyTimes.removeAll { time.timeIntervalSince($0.at) > 86_400 }
        }
    }

    /// The median and 95th percentile time to Ready over the day before `now`; `nil` without samples.
    public func timeToReady(now: Date) -> (p50: Double, p95: Double, count: Int)? {
        let samples = state.withLock { $0.readyTimes.filter { now.timeIntervalSince($0.at) <= 86_400 }.map(\.seconds) }.sorted()
        guard !samples.isEmpty else { return nil }
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int((p * Double(samples.count)).rounded(.up)) - 1)] }
        return (percentile(0.5), percentile(0.95), samples.count)
    }

    /// The latest mass-deletion breaker trip, shown on the dashboard until a pass completes without one.
    public var lastBreakerTrip: String? {
        get { state.withLock { $0.lastBreakerTrip } }
        set { state.withLock { $0.lastBreakerTrip = newValue } }
    }
}
