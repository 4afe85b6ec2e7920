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
