import Foundation

/// Fair admission over a concurrency cap: running previews keep their slots (never evicted), and
/// waiting PRs are admitted oldest first.
public enum AdmissionQueue {
    /// A PR that wants a preview and has none yet.
    public struct Candidate: Sendable, Hashable {
        public var key: PreviewKey
        /// Orders the queue: earlier waits less.
        public var since: Date

        public init(key: PreviewKey, since: Date) {
            self.key = key
            self.since = since
        }
    }

    /// The outcome: who starts now and who waits at which 1-based position.
    public struct Outcome: Sendable, Hashable {
        public var admitted: [PreviewKey]
        public var waiting: [Waiting]
    }

    /// A PR left waiting, at its 1-based position in the queue.
    public struct Waiting: Sendable, Hashable {
        public var key: PreviewKey
        public var position: Int
    }

    /// Admits as many `candidates` as `cap - running` allows, in order of `since`, then PR number.
    public static func admit(_ candidates: [Candidate], running: Int, cap: Int) -> Outcome {
        let ordered = candidates.sorted { ($0.since, $0.key) < ($1.since, $1.key) }
        let slots = max(0, cap - running)
        let admitted = Array(ordered.prefix(slots)).map(\.key)
        let waiting = ordered.dropFirst(slots).enumerated().map { Waiting(key: $1.key, position: $0 + 1) }
        return Outcome(admitted: admitted, waiting: waiting)
    }
}

extension AdmissionQueue {
    /// What the claim step does with a PR that has no environment yet.
    public enum Decision: Sendable, Hashable {
        /// Claim its namespace now.
        case admit
        /// It waits at this 1-based position of `of`.
        case queue(position: Int, of: Int)
        /// The counts are an upper bound near the cap: read them again, then decide with `exact`.
        case recount
    }

    /// Admission of `candidate` over `cap`, from `running` environments (other than its own) and
    /// the other PRs `waiting`. With `exact` false the counts are an upper bound (those observed
    /// plus those claimed since): far enough below the cap that is enough to admit, else the
    /// caller reads them again. Pure; the caller holds the repository's turn.
    public static func decide(_ candidate: Candidate, running: Int, waiting: [Candidate], cap: Int, exact: Bool) -> Decision {
        let others = waiting.filter { $0.key != candidate.key }
        if running + others.count + 1 <= cap { return .admit }
        guard exact else { return .recount }
        let outcome = admit(others + [candidate], running: running, cap: cap)
        if outcome.admitted.contains(candidate.key) { return .admit }
        let place = outcome.waiting.first { $0.key == candidate.key }?.position ?? outcome.waiting.count
        return .queue(position: place, of: outcome.waiting.count)
    }
}
