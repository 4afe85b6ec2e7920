import Foundation
import SandcastleController
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Controller service")
struct ControllerServiceTests {
    /// Leadership ends, keys queue meanwhile, and the next term reconciles them.
    @Test func keysQueuedWhileNotLeadingAreReconciledInTheNextTerm() async throws {
        let rig = try UnitRig.make()
        let (endFirstTerm, endFirst) = AsyncStream<Void>.makeStream()
        let (startSecondTerm, startSecond) = AsyncStream<Void>.makeStream()
        let controller = Controller(dependencies: rig.dependencies) { body in
            let first = Task { await body() }
            for await _ in endFirstTerm { break }
            first.cancel()
            await first.value
            for await _ in startSecondTerm { break }
            await body()
        }
        let running = Task { try await controller.run() }
        defer { running.cancel() }

        await rig.source.put(Make.pr(1))
        try await waitUntil { controller.isLeading }
        controller.enqueue(Make.key(1))
        try await waitUntil { await rig.sink.previews[Make.key(1)] != nil }

        endFirst.yield()
        try await waitUntil { !controller.isLeading }
        await rig.source.put(Make.pr(2))
        controller.enqueue(Make.key(2))
        try await Task.sleep(for: .milliseconds(100))
        #expect(await rig.sink.previews[Make.key(2)] == nil, "nothing is reconciled without leadership")
        #expect(controller.queue.depth >= 1, "PR 2 waits in the queue")

        startSecond.yield()
        try await waitUntil { await rig.sink.previews[Make.key(2)] != nil }
        controller.stop()
    }

    /// A new leader shows what the sink already holds before it has reconciled it.
    @Test func aNewLeaderShowsExistingPreviewsAsObserved() async throws {
        let rig = try UnitRig.make()
        try await rig.sink.apply(Make.preview(7))
        let controller = Controller(dependencies: rig.dependencies)
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        try await waitUntil { rig.dependencies.book.record(Make.key(7)) != nil }
        let record = try #require(rig.dependencies.book.record(Make.key(7)))
        #expect(record.phase == .pending)
        #expect(record.namespace == "pr-7-shop")
        #expect(record.pullRequestURL == "https://github.com/acme/shop/pull/7")
        controller.stop()
    }

    private func waitUntil(_ condition: () async -> Bool) async throws {
        // Generous: on a loaded 2-core machine the whole suite shares the cooperative pool.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met in 30 s")
    }
}
