import Foundation
import SandcastleController
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Resync and janitor")
struct ResyncJanitorTests {
    @Test func anUnchangedListingEnqueuesNothingAndAChangeEnqueuesThatPR() async throws {
        let rig = try UnitRig.make()
        let enqueued = LockedValue([PreviewKey]())
        let resync = Resync(dependencies: rig.dependencies) { key in enqueued.withLock { $0.append(key) } }
        await rig.source.put(Make.pr(1))
        await rig.source.put(Make.pr(2, labels: []))  // no label: nothing to do
        #expect(await resync.pass().enqueued == [Make.key(1)])
        _ = await rig.reconciler().reconcile(Make.key(1))

        #expect(await resync.pass().enqueued.isEmpty)
        await rig.source.put(Make.pr(1, sha: String(repeating: "b2", count: 20)))
        #expect(await resync.pass().enqueued == [Make.key(1)])
        await rig.source.put(Make.pr(2, labels: ["preview"]))
        #expect(await resync.pass().enqueued == [Make.key(2)])
        #expect(await rig.source.listCalls == 4)
    }

    @Test func aFailedListingConcludesNothing() async throws {
        let rig = try UnitRig.make()
        let resync = Resync(dependencies: rig.dependencies) { _ in }
        await rig.source.put(Make.pr(1))
        _ = await rig.reconciler().reconcile(Make.key(1))
        await rig.source.remove(Make.key(1))
        await rig.source.failListing(InjectedFailure("HTTP 502"))
        let report = await resync.pass()
        #expect(report.failedRepositories == [Make.repository])
        #expect(report.enqueued.isEmpty)
    }

    @Test func theBreakerStopsAPassThatWouldConfirmAwayTooMany() async throws {
        let rig = try UnitRig.make(maxConcurrent: 10)
        for number in 1...5 {
            await rig.source.put(Make.pr(number))
            _ = await rig.reconciler().reconcile(Make.key(number))
        }
        let resync = Resync(dependencies: rig.dependencies) { _ in }
        #expect(await resync.pass().enqueued.count == 5, "the first listing looks at every preview once")
        for number in 1...3 { await rig.source.remove(Make.key(number)) }
        #expect(await resync.pass().enqueued == [Make.key(1), Make.key(2), Make.key(3)], "3 of 5 is within max(3, 20%)")
        await rig.source.remove(Make.key(4))
        let report = await resync.pass()
        #expect(report.breaker == BreakerTrip(unconfirmed: 4, live: 5, limit: 3))
        #expect(report.enqueued.isEmpty)
        #expect(rig.dependencies.book.lastBreakerTrip != nil)
    }

    @Test func theJanitorHandsOverWhatIsDueAndLeavesTheRestAlone() async throws {
        let rig = try UnitRig.make()
        let enqueued = LockedValue([PreviewKey]())
        let resync = Resync(dependencies: rig.dependencies) { _ in }
        let janitor = Janitor(dependencies: rig.dependencies, resync: resync) { key in enqueued.withLock { $0.append(key) } }
        await rig.source.put(Make.pr(1))
        await rig.source.put(Make.pr(2, lastActivityAt: Make.epoch.addingTimeInterval(3 * 86400)))
        for number in 1...2 { _ = await rig.reconciler().reconcile(Make.key(number)) }
        _ = await resync.pass()

        #expect(await janitor.pass().enqueued.isEmpty, "nothing is due yet")
        rig.clock.advance(by: 61 * 3600)
        #expect(await janitor.pass().enqueued == [Make.key(1)], "PR 1 is in its warning window")
        await rig.source.remove(Make.key(2))
        _ = await resync.pass()
        #expect(await janitor.pass().enqueued == [Make.key(1), Make.key(2)], "PR 2 left the listing: confirm per PR")
        #expect(await rig.sink.teardownCalls.isEmpty, "the janitor itself never tears down")

        // A preview created (by a webhook) after the latest listing is not a leak: the next listing judges it.
        rig.clock.advance(by: 60)
        await rig.source.put(Make.pr(3, lastActivityAt: rig.clock.now))
        _ = await rig.reconciler().reconcile(Make.key(3))
        #expect(await janitor.pass().enqueued.contains(Make.key(3)) == false)
    }
}

@Suite("Resync after a crash")
struct ResyncConvergenceTests {
    /// An environment left half-applied (no content hash yet, or not Ready) is handed back even
    /// when its PR did not change, so a restart converges without waiting for an event.
    @Test func anEnvironmentThatDidNotConvergeIsEnqueued() async throws {
        let rig = try UnitRig.make()
        let sink = HalfAppliedSink(base: rig.sink)
        var dependencies = rig.dependencies
        dependencies.sink = PreviewSink(sink)
        await rig.source.put(Make.pr(1))
        _ = await rig.reconciler().reconcile(Make.key(1))
        let resync = Resync(dependencies: dependencies) { _ in }
        #expect(await resync.pass().enqueued == [Make.key(1)], "the first listing looks at every preview once")
        #expect(await resync.pass().enqueued.isEmpty, "converged: nothing to do")
        sink.markUnconverged(Make.key(1))
        #expect(await resync.pass().enqueued == [Make.key(1)])
    }

    @Test func theJanitorDoesNotHandOverEveryLabelledPR() async throws {
        let rig = try UnitRig.make()
        let enqueued = LockedValue([PreviewKey]())
        let resync = Resync(dependencies: rig.dependencies) { _ in }
        let janitor = Janitor(dependencies: rig.dependencies, resync: resync) { key in enqueued.withLock { $0.append(key) } }
        // Listings carry no label grant, as in the controller; that alone must not make a PR due.
        await rig.source.put(Make.pr(1))
        _ = await rig.reconciler().reconcile(Make.key(1))
        await rig.source.put(Make.pr(1, labelGrant: nil))
        _ = await resync.pass()
        #expect(await janitor.pass().enqueued.isEmpty)
    }
}

/// A sink whose environments can be marked as left half-applied (the last apply failed).
struct HalfAppliedSink: ForwardingSink {
    let base: FakeSink
    private let unconverged = LockedValue(Set<PreviewKey>())

    init(base: FakeSink) { self.base = base }

    func markUnconverged(_ key: PreviewKey) { unconverged.withLock { _ = $0.insert(key) } }

    func environments() async throws -> [ObservedEnvironment] {
        let marked = unconverged.withLock { $0 }
        return try await base.environments().map { environment in
            var environment = environment
            environment.converged = !marked.contains(environment.key)
            return environment
        }
    }

    func observe(_ key: PreviewKey) async throws -> EnvironmentFact? {
        guard var fact = try await base.observe(key) else { return nil }
        if unconverged.withLock({ $0.contains(key) }) { fact.applyFailure = "connection reset during the apply" }
        return fact
    }

    func apply(_ preview: RenderedPreview) async throws -> ApplyReport {
        let report = try await base.apply(preview)
        unconverged.withLock { _ = $0.remove(preview.key) }
        return report
    }
}

@Suite("Reconciler after a failed apply")
struct ReconcileUnconvergedTests {
    @Test func anEnvironmentThatDidNotConvergeIsAppliedAgainAtTheSameContent() async throws {
        let rig = try UnitRig.make()
        let sink = HalfAppliedSink(base: rig.sink)
        var dependencies = rig.dependencies
        dependencies.sink = PreviewSink(sink)
        await rig.source.put(Make.pr(1))
        let reconciler = Reconciler(dependencies: dependencies)
        _ = await reconciler.reconcile(Make.key(1))
        #expect(await reconciler.reconcile(Make.key(1)) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.applyCalls == 1)
        sink.markUnconverged(Make.key(1))
        #expect(await reconciler.reconcile(Make.key(1)) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.applyCalls == 2)
    }
}
