import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `AdmissionQueue.decide`: the claim step's decision, one row per case.
@Suite struct AdmissionDecisionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var running: Int
        var waiting: [Int]
        var exact: Bool
        var expected: AdmissionQueue.Decision
        var testDescription: String { name }
    }

    /// PR 5 created at epoch + 50 s; waiting PR n was created at epoch + n × 10 s.
    static let rows: [Row] = [
        Row(name: "far below the cap an upper bound is enough", running: 1, waiting: [], exact: false, expected: .admit),
        Row(name: "near the cap an upper bound is not: count again", running: 3, waiting: [1], exact: false, expected: .recount),
        Row(name: "exact counts with a free slot and no one older waiting", running: 3, waiting: [9], exact: true, expected: .admit),
        Row(name: "an older waiting PR takes the last slot first", running: 3, waiting: [1], exact: true, expected: .queue(position: 1, of: 1)),
        Row(name: "at the cap it queues behind the older ones", running: 4, waiting: [1, 2, 9], exact: true, expected: .queue(position: 3, of: 4)),
        Row(name: "its own waiting record does not count against it", running: 3, waiting: [5], exact: false, expected: .admit),
    ]

    @Test(arguments: rows)
    func decision(_ row: Row) {
        let candidate = AdmissionQueue.Candidate(key: Make.key(5), since: Make.epoch.addingTimeInterval(50))
        let waiting = row.waiting.map {
            AdmissionQueue.Candidate(key: Make.key($0), since: $0 == 5 ? candidate.since : Make.epoch.addingTimeInterval(Double($0) * 10))
        }
        #expect(AdmissionQueue.decide(candidate, running: row.running, waiting: waiting, cap: 4, exact: row.exact) == row.expected)
    }
}
