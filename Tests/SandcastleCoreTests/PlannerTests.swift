import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite struct PlannerTests {
    static let now = Make.epoch.addingTimeInterval(3600)
    static let settings = PreviewSettings.builtin
    static let render = RenderSummary(sha: Make.sha, contentHash: "new-hash")

    static func env(_ number: Int, hash: String = "old-hash") -> ObservedEnvironment {
        ObservedEnvironment(key: Make.key(number), namespace: "pr-\(number)-shop", sha: Make.sha, contentHash: hash, createdAt: Make.epoch)
    }

    static func want(
        _ number: Int, _ observation: PullRequestObservation, render: RenderSummary? = PlannerTests.render,
        settings: PreviewSettings = PlannerTests.settings
    ) -> DesiredPreview {
        DesiredPreview(key: Make.key(number), observation: observation, settings: settings, render: render)
    }

    static func plan(_ desired: [DesiredPreview], _ environments: [ObservedEnvironment], now: Date = PlannerTests.now) -> [Action] {
        Planner.plan(desired: DesiredState(previews: desired), observed: .environments(environments), now: now)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var desired: [DesiredPreview]
        var environments: [ObservedEnvironment]
        var expected: [Action]
        var testDescription: String { name }
    }

    static let k1 = Make.key(1)

    static let cases: [Case] = [
        Case(name: "new eligible PR is created", desired: [want(1, .read(Make.pr(1)))], environments: [], expected: [.create(k1, render)]),
        Case(name: "a listed eligible PR is created too", desired: [want(1, .listed(Make.pr(1)))], environments: [], expected: [.create(k1, render)]),
        Case(
            name: "unchanged content is not re-applied", desired: [want(1, .read(Make.pr(1)))], environments: [env(1, hash: "new-hash")],
            expected: [.report(k1, .upToDate(sha: Make.sha))]),
        Case(
            name: "changed content is updated", desired: [want(1, .read(Make.pr(1)))], environments: [env(1)],
            expected: [.update(k1, render, previousHash: "old-hash")]),
        Case(
            name: "not rendered yet", desired: [want(1, .read(Make.pr(1)), render: nil)], environments: [env(1)], expected: [.hold(k1, .notRendered)]),
        Case(
            name: "render of an older head is stale", desired: [want(1, .read(Make.pr(1, sha: String(repeating: "b", count: 40))))],
            environments: [env(1)],
            expected: [.hold(k1, .notRendered)]),
        Case(
            name: "confirmed closed is torn down", desired: [want(1, .read(Make.pr(1, state: .closed)))], environments: [env(1)],
            expected: [.teardown(k1, .closed)]),
        Case(
            name: "confirmed merged is torn down", desired: [want(1, .read(Make.pr(1, state: .closed, merged: true)))], environments: [env(1)],
            expected: [.teardown(k1, .merged)]),
        Case(
            name: "confirmed label removal is torn down", desired: [want(1, .read(Make.pr(1, labels: [])))], environments: [env(1)],
            expected: [.teardown(k1, .missingLabel(["preview"]))]),
        Case(
            name: "closed in a listing only asks for confirmation", desired: [want(1, .listed(Make.pr(1, state: .closed)))], environments: [env(1)],
            expected: [.hold(k1, .awaitingConfirmation)]),
        Case(
            name: "absent from a listing is not proof", desired: [want(1, .notListed)], environments: [env(1)],
            expected: [.hold(k1, .awaitingConfirmation)]),
        Case(name: "a 404 is not proof", desired: [want(1, .notFound)], environments: [env(1)], expected: [.hold(k1, .awaitingConfirmation)]),
        Case(
            name: "an environment nobody asked about needs confirmation", desired: [], environments: [env(1)],
            expected: [.hold(k1, .awaitingConfirmation)]),
        Case(
            name: "a failed read never tears down", desired: [want(1, .unavailable("HTTP 502"))], environments: [env(1)],
            expected: [.hold(k1, .inconclusive("HTTP 502"))]),
        Case(
            name: "undetermined eligibility never tears down", desired: [want(1, .read(Make.pr(1, labelGrant: nil)))], environments: [env(1)],
            expected: [.hold(k1, .undetermined("who added the label preview is not known"))]),
        Case(name: "closed PR without environment: nothing", desired: [want(1, .read(Make.pr(1, state: .closed)))], environments: [], expected: []),
        Case(
            name: "expired is torn down once confirmed",
            desired: [want(1, .read(Make.pr(1, lastActivityAt: now.addingTimeInterval(-80 * 3600))))], environments: [env(1)],
            expected: [.teardown(k1, .expired(at: now.addingTimeInterval(-8 * 3600)))]),
        Case(
            name: "expiry is warned before it happens",
            desired: [want(1, .read(Make.pr(1, lastActivityAt: now.addingTimeInterval(-70 * 3600))))], environments: [env(1, hash: "new-hash")],
            expected: [.report(k1, .upToDate(sha: Make.sha)), .report(k1, .expiryWarning(at: now.addingTimeInterval(2 * 3600)))]),
        Case(
            name: "the preserve pin is reported",
            desired: [want(1, .read(Make.pr(1, labels: ["preview", "preserve"])))], environments: [env(1, hash: "new-hash")],
            expected: [.report(k1, .upToDate(sha: Make.sha)), .report(k1, .pinned(until: Make.epoch.addingTimeInterval(14 * 86_400)))]),
    ]

    @Test(arguments: cases)
    func singlePreview(_ c: Case) {
        #expect(Self.plan(c.desired, c.environments) == c.expected)
    }

    @Test func unreadableSinkHoldsEverything() {
        let desired = DesiredState(previews: [Self.want(1, .read(Make.pr(1))), Self.want(2, .read(Make.pr(2, state: .closed)))])
        let actions = Planner.plan(desired: desired, observed: .unavailable("connection refused"), now: Self.now)
        #expect(
            actions == [
                .hold(Make.key(1), .inconclusive("the sink could not be read: connection refused")),
                .hold(Make.key(2), .inconclusive("the sink could not be read: connection refused")),
            ])
    }

    @Test func breakerTripsOnMassUnconfirmedDeletion() {
        let live = (1...10).map { Self.env($0, hash: "new-hash") }
        // Four PRs vanished from the listing and one is confirmed closed: 4 > max(3, 2).
        var desired = (1...4).map { Self.want($0, .notListed) }
        desired.append(Self.want(5, .read(Make.pr(5, state: .closed))))
        desired += (6...10).map { Self.want($0, .listed(Make.pr($0))) }
        let actions = Self.plan(desired, live)
        #expect(actions.first == .halt(BreakerTrip(unconfirmed: 4, live: 10, limit: 3)))
        #expect(!actions.contains { if case .teardown = $0 { true } else { false } }, "no teardown at all in a halted pass")
        #expect(actions.contains(.hold(Make.key(5), .breakerTripped)))
        #expect(actions.filter { $0 == .hold(Make.key(1), .breakerTripped) }.count == 1)
    }

    @Test(arguments: [(10, 3, false), (10, 4, true), (100, 20, false), (100, 21, true), (2, 2, false)])
    func breakerLimitIsMaxOfThreeAndTwentyPercent(live: Int, vanished: Int, trips: Bool) {
        let environments = (1...live).map { Self.env($0, hash: "new-hash") }
        let desired = (1...live).map { $0 <= vanished ? Self.want($0, .notListed) : Self.want($0, .listed(Make.pr($0))) }
        let halted = Self.plan(desired, environments).contains { if case .halt = $0 { true } else { false } }
        #expect(halted == trips)
    }

    @Test func confirmedTeardownsDoNotTripTheBreaker() {
        let live = (1...5).map { Self.env($0) }
        let desired = (1...5).map { Self.want($0, .read(Make.pr($0, state: .closed))) }
        #expect(Self.plan(desired, live) == (1...5).map { .teardown(Make.key($0), .closed) })
    }

    @Test func concurrencyCapQueuesInOrder() {
        var settings = Self.settings
        settings.maxConcurrent = 3
        let live = [Self.env(1, hash: "new-hash"), Self.env(2, hash: "new-hash")]
        let desired = [
            Self.want(1, .read(Make.pr(1)), settings: settings), Self.want(2, .read(Make.pr(2)), settings: settings),
            Self.want(5, .read(Make.pr(5, createdAt: Make.epoch.addingTimeInterval(50))), settings: settings),
            Self.want(3, .read(Make.pr(3, createdAt: Make.epoch.addingTimeInterval(30))), settings: settings),
            Self.want(4, .read(Make.pr(4, createdAt: Make.epoch.addingTimeInterval(40))), settings: settings),
        ]
        let actions = Self.plan(desired, live)
        #expect(actions.contains(.create(Make.key(3), Self.render)))
        #expect(actions.contains(.hold(Make.key(4), .queued(position: 1, of: 2))))
        #expect(actions.contains(.hold(Make.key(5), .queued(position: 2, of: 2))))
        #expect(!actions.contains { if case .teardown = $0 { true } else { false } }, "running previews are never evicted")
    }

    @Test func aTeardownFreesItsSlotInTheSamePass() {
        var settings = Self.settings
        settings.maxConcurrent = 1
        let actions = Self.plan(
            [Self.want(1, .read(Make.pr(1, state: .closed)), settings: settings), Self.want(2, .read(Make.pr(2)), settings: settings)],
            [Self.env(1)])
        #expect(actions == [.teardown(Make.key(1), .closed), .create(Make.key(2), Self.render)])
    }

    @Test func capsApplyPerRepository() {
        var settings = Self.settings
        settings.maxConcurrent = 1
        let other = RepositoryName(owner: "acme", name: "blog")
        let desired = [
            Self.want(1, .read(Make.pr(1)), settings: settings),
            DesiredPreview(key: Make.key(1, other), observation: .read(Make.pr(1, repository: other)), settings: settings, render: Self.render),
        ]
        #expect(Self.plan(desired, []) == [.create(Make.key(1, other), Self.render), .create(Make.key(1), Self.render)])
    }
}
