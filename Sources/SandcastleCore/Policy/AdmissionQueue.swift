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
        public var waiting: [(key: PreviewKey, position: Int)]

        public static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.admitted == rhs.admitted && lhs.waiting.map(\.key) == rhs.waiting.map(\.key)
                && lhs.waiting.map(\.position) == rhs.waiting.map(\.position)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(admitted) }
    }

    /// Admits as many `candidates` as `cap - running` allows, in order of `since`, then PR number.
    public static func admit(_ candidates: [Candidate], running: Int, cap: Int) -> Outcome {
        let ordered = candidates.sorted { ($0.since, $0.key) < ($1.since, $1.key) }
        let slots = max(0, cap - running)
        let admitted = Array(ordered.prefix(slots)).map(\.key)
        let waiting = ordered.dropFirst(slots).enumerated().map { (key: $1.key, position: $0 + 1) }
        return Outcome(admitted: admitted, waiting: waiting)
    }
}
