import SandcastleCore

/// The most recent `X-GitHub-Delivery` ids, so that a redelivered or duplicated event is dropped.
/// Bounded: the oldest ids are forgotten first.
public final class DeliveryLog: Sendable {
    private struct State {
        var seen: Set<String> = []
        var order: [String] = []
        var head = 0
    }

    public let capacity: Int
    private let state = LockedValue(State())

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    /// Records `id`; `false` when it was already recorded (a duplicate).
    public func claim(_ id: String) -> Bool {
        state.withLock { state in
            guard state.seen.insert(id).inserted else { return false }
            state.order.append(id)
            if state.seen.count > capacity {
                state.seen.remove(state.order[state.head])
                state.head += 1
                if state.head * 2 > state.order.count {
                    state.order.removeFirst(state.head)
                    state.head = 0
                }
            }
            return true
        }
    }

    /// Forgets `id`, so that GitHub's redelivery of a refused event is accepted.
    public func release(_ id: String) {
        state.withLock { state in
            if state.seen.remove(id) != nil, let index = state.order.lastIndex(of: id), index >= state.head {
                state.order.remove(at: index)
            }
        }
    }
}
