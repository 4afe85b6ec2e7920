import Foundation
import SandcastleCore

/// The controller's work queue, keyed by preview.
///
/// - De-duplicating: a key waits at most once; offering it again while it waits coalesces.
/// - One reconcile per key at a time: a key handed out is *in flight*; offered again meanwhile, it
///   is marked dirty and handed out once more after ``done(_:retryAfter:)``, never concurrently.
/// - Bounded: beyond `capacity` waiting keys, ``offer(_:)`` answers `.full` at once.
/// - Per-key exponential backoff: a failed key comes back after `base · 2^(failures-1)`, capped;
///   a success forgets the failures. A new offer (fresh information) does not wait for the backoff.
public final class WorkQueue: Sendable {
    /// Backoff settings.
    public struct Backoff: Sendable {
        public var base: Duration
        public var cap: Duration
        public init(base: Duration = .milliseconds(50), cap: Duration = .seconds(300)) {
            self.base = base
            self.cap = cap
        }

        /// The delay after `failures` consecutive failures (1 → `base`).
        public func delay(after failures: Int) -> Duration {
            guard failures > 0 else { return .zero }
            let factor = 1 << min(failures - 1, 30)
            let delay = base * factor
            return delay > cap ? cap : delay
        }
    }

    private struct State {
        var waiting = KeyFIFO()
        /// Keys offered as urgent (a change the cluster reported): handed out before `waiting`.
        var urgent = KeyFIFO()
        var inFlight: Set<PreviewKey> = []
        /// Keys offered while in flight, and whether one of those offers was urgent.
        var dirty: [PreviewKey: Bool] = [:]
        var failures: [PreviewKey: Int] = [:]
        var takers: [(id: UInt64, continuation: CheckedContinuation<PreviewKey?, Never>)] = []
        var nextTakerID: UInt64 = 0
        var closed = false
    }

    public let capacity: Int
    public let backoff: Backoff
    private let sleep: @Sendable (Duration) async -> Void
    private let state = LockedValue(State())

    /// `sleep` waits out backoffs (tests pass a manual clock's).
    public init(
        capacity: Int, backoff: Backoff = Backoff(),
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
        self.backoff = backoff
        self.sleep = sleep
    }

    /// Keys waiting to be handed out.
    public var depth: Int { state.withLock { $0.waiting.count + $0.urgent.count } }
    /// Keys being reconciled now.
    public var inFlight: Int { state.withLock { $0.inFlight.count } }
    /// Consecutive failures of `key`.
    public func failures(of key: PreviewKey) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    /// Offers `key` without waiting. An `urgent` key (the cluster reported a change: a rollout
    /// finished, an object was deleted) is handed out before keys offered otherwise, so a worker
    /// that finishes a reconcile reports a rollout before it starts the next new preview.
    @discardableResult
    public func offer(_ key: PreviewKey, urgent: Bool = false) -> BoundedKeyQueue.Offer {
        let (offer, taker): (BoundedKeyQueue.Offer, CheckedContinuation<PreviewKey?, Never>?) = state.withLock { state in
            if state.closed { return (.full, nil) }
            if state.waiting.contains(key) || state.urgent.contains(key) { return (.coalesced, nil) }
            if state.inFlight.contains(key) {
                state.dirty[key] = (state.dirty[key] ?? false) || urgent
                return (.coalesced, nil)
            }
            if state.waiting.count + state.urgent.count >= capacity { return (.full, nil) }
            if !state.takers.isEmpty {
                state.inFlight.insert(key)
                return (.enqueued, state.takers.removeFirst().continuation)
            }
            if urgent { state.urgent.append(key) } else { state.waiting.append(key) }
            return (.enqueued, nil)
        }
        taker?.resume(returning: key)
        return offer
    }

    /// The oldest urgent key, else the oldest waiting key, now in flight; suspends while none waits. `nil` once closed, or when
    /// the calling task is cancelled (e.g. leadership lost); the queue itself stays open.
    public func next() async -> PreviewKey? {
        let id: UInt64 = state.withLock { state in
            state.nextTakerID += 1
            return state.nextTakerID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: PreviewKey?? = state.withLock { state in
                    if state.closed || Task.isCancelled { return .some(nil) }
                    if let key = state.urgent.popFirst() ?? state.waiting.popFirst() {
                        state.inFlight.insert(key)
                        return .some(key)
                    }
                    state.takers.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let taker = state.withLock { state -> CheckedContinuation<PreviewKey?, Never>? in
                guard let index = state.takers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.takers.remove(at: index).continuation
            }
            taker?.resume(returning: nil)
        }
    }

    /// Ends the reconcile of `key`. `failed` schedules it again after its backoff; `retryAfter`
    /// (a wait the reconciler asked for, e.g. for a Job) schedules it after that, without counting
    /// a failure. A key offered while in flight is queued again at once.
    public func done(_ key: PreviewKey, failed: Bool = false, retryAfter: Duration? = nil) {
        let (requeueNow, urgent, delay): (Bool, Bool, Duration?) = state.withLock { state in
            state.inFlight.remove(key)
            let dirty = state.dirty.removeValue(forKey: key)
            if failed {
                let count = (state.failures[key] ?? 0) + 1
                state.failures[key] = count
                return (dirty != nil, dirty ?? false, backoff.delay(after: count))
            }
            state.failures[key] = nil
            return (dirty != nil, dirty ?? false, retryAfter)
        }
        if requeueNow {
            offer(key, urgent: urgent)
        } else if let delay {
            Task {
                await sleep(delay)
                offer(key)
            }
        }
    }

    /// Stops handing out keys and wakes every waiting worker with `nil`.
    public func close() {
        let takers = state.withLock { state in
            state.closed = true
            defer { state.takers = [] }
            return state.takers
        }
        for taker in takers { taker.continuation.resume(returning: nil) }
    }
}
