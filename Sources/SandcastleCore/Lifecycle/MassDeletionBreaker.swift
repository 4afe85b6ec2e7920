/// The mass-deletion breaker (safety rule 3): a pass that would delete more than max(3, 20%) of
/// live environments without per-PR confirmation deletes nothing. The only copy of the rule.
public enum MassDeletionBreaker {
    /// The most unconfirmed deletions one pass may consider among `live` environments.
    public static func limit(live: Int) -> Int { max(3, live / 5) }

    /// `nil` when `unconfirmed` deletions may be considered, else the trip to report.
    public static func check(unconfirmed: Int, live: Int) -> BreakerTrip? {
        let limit = limit(live: live)
        return unconfirmed > limit ? BreakerTrip(unconfirmed: unconfirmed, live: live, limit: limit) : nil
    }
}

/// Why the mass-deletion breaker stopped a pass.
public struct BreakerTrip: Sendable, Hashable, CustomStringConvertible {
    /// Live environments whose deletion was considered without per-PR confirmation.
    public var unconfirmed: Int
    public var live: Int
    /// The most that may be considered in one pass: max(3, 20% of live).
    public var limit: Int

    public init(unconfirmed: Int, live: Int, limit: Int) {
        self.unconfirmed = unconfirmed
        self.live = live
        self.limit = limit
    }

    public var description: String {
        "\(unconfirmed) of \(live) live previews would be deleted without per-PR confirmation (limit \(limit)); "
            + "no preview is deleted in this pass. Check the PR listing and the sink before the next pass."
    }
}
