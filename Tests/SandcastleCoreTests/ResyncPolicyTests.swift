import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// One row per rule of what a resync pass hands to the reconciler.
@Suite("Resync policy")
struct ResyncPolicyTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var seen: ResyncPolicy.Seen
        var wants: Bool
        var environment: ObservedEnvironment?
        var expected: Bool
        var testDescription: String { name }
    }

    static func environment(converged: Bool = true, reportLags: Bool = false) -> ObservedEnvironment {
        ObservedEnvironment(
            key: Make.key(1), namespace: "pr-1-shop", sha: Make.sha, contentHash: "h", createdAt: Make.epoch, converged: converged, reportLags: reportLags)
    }

    static let rows: [Row] = [
        Row(name: "first listing with an environment: looked at once", seen: .first, wants: true, environment: environment(), expected: true),
        Row(name: "first listing, environment no longer wanted", seen: .first, wants: false, environment: environment(), expected: true),
        Row(name: "first listing, wanted, no environment", seen: .first, wants: true, environment: nil, expected: true),
        Row(name: "first listing, not wanted, no environment", seen: .first, wants: false, environment: nil, expected: false),
        Row(name: "unchanged and converged and reported: nothing", seen: .unchanged, wants: true, environment: environment(), expected: false),
        Row(name: "unchanged, not wanted, no environment: nothing", seen: .unchanged, wants: false, environment: nil, expected: false),
        Row(name: "changed since the last listing", seen: .changed, wants: true, environment: environment(), expected: true),
        Row(name: "changed, no environment", seen: .changed, wants: false, environment: nil, expected: true),
        Row(name: "unchanged but half-applied or failed", seen: .unchanged, wants: true, environment: environment(converged: false), expected: true),
        Row(
            name: "unchanged, Ready recorded, GitHub told something else (a crash between)", seen: .unchanged, wants: true,
            environment: environment(reportLags: true), expected: true),
    ]

    @Test(arguments: rows)
    func enqueue(_ row: Row) {
        #expect(ResyncPolicy.enqueues(row.seen, wants: row.wants, environment: row.environment) == row.expected)
    }

    @Test func aReportLagsWhenTheRecordedOutcomeAtTheCommitWasNotTold() {
        let sha = Make.sha
        #expect(ResyncPolicy.reportLags(phase: .ready, sha: sha, reported: nil))
        #expect(ResyncPolicy.reportLags(phase: .ready, sha: sha, reported: ReportRecord(sha: sha, summary: "pending: Deploying")))
        #expect(ResyncPolicy.reportLags(phase: .ready, sha: sha, reported: ReportRecord(sha: "old", summary: "ready: https://x")))
        #expect(!ResyncPolicy.reportLags(phase: .ready, sha: sha, reported: ReportRecord(sha: sha, summary: "ready: https://x")))
        #expect(ResyncPolicy.reportLags(phase: .failed, sha: sha, reported: ReportRecord(sha: sha, summary: "pending: x")))
        #expect(!ResyncPolicy.reportLags(phase: .failed, sha: sha, reported: ReportRecord(sha: sha, summary: "failure(deploy): x")))
        #expect(!ResyncPolicy.reportLags(phase: .deploying, sha: sha, reported: nil), "a preview in progress is the reconciler's already")
        #expect(!ResyncPolicy.reportLags(phase: nil, sha: sha, reported: nil))
    }
}
