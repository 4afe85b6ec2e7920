import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite struct PolicyTests {
    static let settings = PreviewSettings.builtin
    static let now = Make.epoch.addingTimeInterval(3600)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var pr: PullRequestSnapshot
        var expected: Eligibility
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "open labelled by a writer", pr: Make.pr(1), expected: .eligible),
        Case(name: "label matched case-insensitively", pr: Make.pr(1, labels: ["Preview"]), expected: .eligible),
        Case(name: "closed", pr: Make.pr(1, state: .closed), expected: .ineligible(.closed)),
        Case(name: "merged", pr: Make.pr(1, state: .closed, merged: true), expected: .ineligible(.merged)),
        Case(name: "draft", pr: Make.pr(1, draft: true), expected: .ineligible(.draft)),
        Case(name: "fork", pr: Make.pr(1, fork: true), expected: .ineligible(.fork)),
        Case(name: "no trigger label", pr: Make.pr(1, labels: ["bug"]), expected: .ineligible(.missingLabel(["preview"]))),
        Case(
            name: "label added by a reader", pr: Make.pr(1, labelGrant: LabelGrant(label: "preview", addedBy: "drive-by", permission: .read)),
            expected: .ineligible(.labelAddedWithoutPermission(by: "drive-by", has: .read, needs: .write))),
        Case(
            name: "label added by a triager", pr: Make.pr(1, labelGrant: LabelGrant(label: "preview", addedBy: "t", permission: .triage)),
            expected: .ineligible(.labelAddedWithoutPermission(by: "t", has: .triage, needs: .write))),
        Case(
            name: "label added by an admin", pr: Make.pr(1, labelGrant: LabelGrant(label: "preview", addedBy: "boss", permission: .admin)),
            expected: .eligible),
        Case(
            name: "who added the label is unknown", pr: Make.pr(1, labelGrant: nil),
            expected: .undetermined("who added the label preview is not known")),
        Case(
            name: "permission could not be read", pr: Make.pr(1, labelGrant: LabelGrant(label: "preview", addedBy: "x", permission: nil)),
            expected: .undetermined("the permission of x, who added the label, could not be read")),
        Case(
            name: "idle past the TTL", pr: Make.pr(1, lastActivityAt: now.addingTimeInterval(-73 * 3600)),
            expected: .ineligible(.expired(at: now.addingTimeInterval(-3600)))),
        Case(
            name: "pinned outlives the TTL", pr: Make.pr(1, labels: ["preview", "preserve"], lastActivityAt: now.addingTimeInterval(-73 * 3600)),
            expected: .eligible),
        Case(
            name: "the pin is capped", pr: Make.pr(1, labels: ["preview", "preserve"], lastActivityAt: now.addingTimeInterval(-15 * 86_400)),
            expected: .ineligible(.expired(at: now.addingTimeInterval(-86_400)))),
    ]

    @Test(arguments: cases)
    func eligibility(_ c: Case) {
        #expect(Policy.evaluate(c.pr, settings: Self.settings, now: Self.now).eligibility == c.expected)
    }

    @Test func draftsAndForksWhenAllowed() {
        var settings = Self.settings
        settings.trigger.allowDrafts = true
        settings.trigger.allowForks = true
        #expect(Policy.evaluate(Make.pr(1, draft: true, fork: true), settings: settings, now: Self.now).eligibility == .eligible)
    }

    @Test func deletedForkCountsAsFork() {
        var pr = Make.pr(1)
        pr.headRepositoryID = nil
        #expect(Policy.evaluate(pr, settings: Self.settings, now: Self.now).eligibility == .ineligible(.fork))
    }

    @Test func emptyTriggerLabelsMeanEveryOpenPR() {
        var settings = Self.settings
        settings.trigger.labels = []
        #expect(Policy.evaluate(Make.pr(1, labels: [], labelGrant: nil), settings: settings, now: Self.now).eligibility == .eligible)
    }

    @Test func expiryAndWarningTimes() {
        let decision = Policy.evaluate(Make.pr(1), settings: Self.settings, now: Self.now)
        #expect(decision.expiresAt == Make.epoch.addingTimeInterval(72 * 3600))
        #expect(decision.warnFrom == Make.epoch.addingTimeInterval(60 * 3600))
        #expect(!decision.pinned)
    }

    @Test func queueAdmitsOldestFirstAndNeverEvicts() {
        let candidates = [
            AdmissionQueue.Candidate(key: Make.key(3), since: Make.epoch.addingTimeInterval(30)),
            AdmissionQueue.Candidate(key: Make.key(1), since: Make.epoch.addingTimeInterval(10)),
            AdmissionQueue.Candidate(key: Make.key(2), since: Make.epoch.addingTimeInterval(10)),
            AdmissionQueue.Candidate(key: Make.key(4), since: Make.epoch.addingTimeInterval(40)),
        ]
        let outcome = AdmissionQueue.admit(candidates, running: 3, cap: 4)
        #expect(outcome.admitted == [Make.key(1)])
        #expect(outcome.waiting.map(\.key) == [Make.key(2), Make.key(3), Make.key(4)])
        #expect(outcome.waiting.map(\.position) == [1, 2, 3])
        #expect(AdmissionQueue.admit(candidates, running: 9, cap: 4).admitted.isEmpty, "over the cap nobody is evicted or admitted")
    }
}
