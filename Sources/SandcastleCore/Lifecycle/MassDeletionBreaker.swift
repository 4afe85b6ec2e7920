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
