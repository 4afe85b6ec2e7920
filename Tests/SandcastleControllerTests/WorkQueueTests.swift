import Foundation
import SandcastleController
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Work queue")
struct WorkQueueTests {
    @Test func keysAreDeduplicatedAndHandedOutInOrder() async {
        let queue = WorkQueue(capacity: 10)
        #expect(queue.offer(Make.key(1)) == .enqueued)
        #expect(queue.offer(Make.key(2)) == .enqueued)
        #expect(queue.offer(Make.key(1)) == .coalesced)
        #expect(queue.depth == 2)
        #expect(await queue.next() == Make.key(1))
        #expect(await queue.next() == Make.key(2))
        #expect(queue.inFlight == 2)
    }

    @Test func aKeyIsNeverReconciledTwiceAtOnceButAnOfferWhileInFlightIsNotLost() async {
        let queue = WorkQueue(capacity: 10)
        queue.offer(Make.key(1))
        #expect(await queue.next() == Make.key(1))
        #expect(queue.offer(Make.key(1)) == .coalesced)  // in flight: marked dirty, not handed out
        #expect(queue.depth == 0)
        queue.offer(Make.key(2))
        #expect(await queue.next() == Make.key(2))
        queue.done(Make.key(1))
        #expect(queue.depth == 1, "the dirty key comes back once its reconcile ends")
        #expect(await queue.next() == Make.key(1))
    }

    /// A change the cluster reported (a rollout finished) is handed out before new work, also when
    /// it arrived while its key was being reconciled.
    @Test func urgentKeysGoFirstAndStayUrgentWhenOfferedInFlight() async {
        let queue = WorkQueue(capacity: 10)
        for number in 1...3 { queue.offer(Make.key(number)) }
        queue.offer(Make.key(9), urgent: true)
        #expect(queue.offer(Make.key(2), urgent: true) == .coalesced, "already waiting: one reconcile covers both")
        #expect(queue.depth == 4)
        #expect(await queue.next() == Make.key(9))
        #expect(queue.offer(Make.key(9), urgent: true) == .coalesced)  // in flight: dirty, and urgent
        queue.done(Make.key(9))
        #expect(await queue.next() == Make.key(9), "its rerun goes before the waiting new work")
        #expect(await queue.next() == Make.key(1))
        #expect(await queue.next() == Make.key(2))
    }

    @Test func aFullQueueSaysSoAtOnce() {
        let queue = WorkQueue(capacity: 2)
        queue.offer(Make.key(1))
        queue.offer(Make.key(2))
        #expect(queue.offer(Make.key(3)) == .full)
        #expect(queue.offer(Make.key(1)) == .coalesced)
    }

    @Test(arguments: [(1, 50), (2, 100), (3, 200), (8, 6_400), (12, 60_000), (40, 60_000)])
    func backoffDoublesFromMillisecondsUpToTheCap(failures: Int, milliseconds: Int) {
        let backoff = WorkQueue.Backoff(base: .milliseconds(50), cap: .seconds(60))
        #expect(backoff.delay(after: failures) == .milliseconds(milliseconds))
    }

    @Test func failuresComeBackAfterTheirBackoffAndASuccessForgetsThem() async {
        let slept = LockedValue([Duration]())
        let queue = WorkQueue(capacity: 10, backoff: .init(base: .milliseconds(50), cap: .seconds(1))) { duration in
            slept.withLock { $0.append(duration) }
        }
        queue.offer(Make.key(1))
        for attempt in 1...3 {
            #expect(await queue.next() == Make.key(1))
            queue.done(Make.key(1), failed: true)
            #expect(queue.failures(of: Make.key(1)) == attempt)
        }
        #expect(await queue.next() == Make.key(1))
        queue.done(Make.key(1))
        #expect(queue.failures(of: Make.key(1)) == 0)
        #expect(slept.withLock { $0 } == [.milliseconds(50), .milliseconds(100), .milliseconds(200)])
    }

    @Test func closingWakesWaitingWorkers() async {
        let queue = WorkQueue(capacity: 1)
        async let waiting = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.close()
        #expect(await waiting == nil)
        #expect(queue.offer(Make.key(1)) == .full)
    }
}

@Suite("Request budget")
struct RequestBudgetTests {
    @Test func noMoreThanTheLimitIsEverInFlight() async {
        let budget = RequestBudget(limit: 2)
        let current = LockedValue(0)
        let highest = LockedValue(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await budget.spend {
                        let now = current.withLock { value -> Int in
                            value += 1
                            return value
                        }
                        highest.withLock { $0 = max($0, now) }
                        try? await Task.sleep(for: .milliseconds(2))
                        current.withLock { $0 -= 1 }
                    }
                }
            }
        }
        #expect(highest.withLock { $0 } == 2)
        #expect(budget.peak == 2)
        #expect(current.withLock { $0 } == 0)
    }
}

@Suite("Work queue and leadership")
struct WorkQueueCancellationTests {
    /// A worker whose leadership ends stops waiting, and the queue keeps its keys for the next leader.
    @Test func aCancelledWorkerReturnsAndTheQueueStaysOpen() async {
        let queue = WorkQueue(capacity: 10)
        let worker = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        worker.cancel()
        #expect(await worker.value == nil)
        #expect(queue.offer(Make.key(1)) == .enqueued)
        #expect(await queue.next() == Make.key(1))
    }
}
