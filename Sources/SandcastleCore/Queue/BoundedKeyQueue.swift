import Foundation

/// A bounded, de-duplicating queue of preview keys between the webhook receiver and the
/// reconcilers. Offering never blocks: a key already waiting is coalesced, and a full queue says so
/// at once (the receiver answers 503 and resync repairs the loss).
public final class BoundedKeyQueue: Sendable {
    /// What happened to an offered key.
    public enum Offer: Sendable, Equatable {
        case enqueued
        /// The key was already waiting; one reconcile covers both.
        case coalesced
        case full
    }

    private struct State {
        var waiting = KeyFIFO()
        var takers: [CheckedContinuation<PreviewKey?, Never>] = []
        var closed = false
    }

    public let capacity: Int
    private let state = LockedValue(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// Keys waiting now.
    public var depth: Int { state.withLock { $0.waiting.count } }

    /// Offers `key` without waiting.
    @discardableResult
    public func offer(_ key: PreviewKey) -> Offer {
        let (offer, taker): (Offer, CheckedContinuation<PreviewKey?, Never>?) = state.withLock { state in
            if state.closed { return (.full, nil) }
            if state.waiting.contains(key) { return (.coalesced, nil) }
            if !state.takers.isEmpty { return (.enqueued, state.takers.removeFirst()) }
            if state.waiting.count >= capacity { return (.full, nil) }
            state.waiting.append(key)
            return (.enqueued, nil)
        }
        taker?.resume(returning: key)
        return offer
    }

    /// The oldest waiting key; suspends while the queue is empty. `nil` once closed and drained.
    public func next() async -> PreviewKey? {
        if let key = take() { return key }
        return await withCheckedContinuation { continuation in
            let immediate: PreviewKey?? = state.withLock { state in
                if let key = state.waiting.popFirst() { return .some(key) }
                if state.closed { return .some(nil) }
                state.takers.append(continuation)
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Stops accepting keys and wakes every waiting taker with `nil`.
    public func close() {
        let takers = state.withLock { state in
            state.closed = true
            defer { state.takers = [] }
            return state.takers
        }
        for taker in takers { taker.resume(returning: nil) }
    }

    private func take() -> PreviewKey? { state.withLock { $0.waiting.popFirst() } }
}
