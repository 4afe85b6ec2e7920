import Foundation
import SandcastleCore
import SandcastleServer
import SandcastleTestSupport
import Testing

@Suite("Bounded key queue and delivery log")
struct QueueTests {
    @Test func coalescesWaitingKeysAndKeepsOrder() async {
        let queue = BoundedKeyQueue(capacity: 2)
        #expect(queue.offer(Make.key(1)) == .enqueued)
        #expect(queue.offer(Make.key(1)) == .coalesced)
        #expect(queue.offer(Make.key(2)) == .enqueued)
        #expect(queue.offer(Make.key(3)) == .full)
        #expect(await queue.next() == Make.key(1))
        #expect(queue.offer(Make.key(1)) == .enqueued)  // taken, so it may wait again
        #expect(await queue.next() == Make.key(2))
        #expect(await queue.next() == Make.key(1))
        #expect(queue.depth == 0)
    }

    @Test func aWaitingTakerGetsTheNextKeyAndCloseWakesIt() async {
        let queue = BoundedKeyQueue(capacity: 4)
        async let taken = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.offer(Make.key(7))
        #expect(await taken == Make.key(7))
        async let none = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.close()
        #expect(await none == nil)
        #expect(queue.offer(Make.key(8)) == .full)
    }

    @Test func manyProducersLoseNothing() async {
        let queue = BoundedKeyQueue(capacity: 10_000)
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask { for n in 0..<1000 { queue.offer(Make.key(producer * 1000 + n)) } }
            }
        }
        var seen = Set<PreviewKey>()
        for _ in 0..<4000 { if let key = await queue.next() { seen.insert(key) } }
        #expect(seen.count == 4000)
    }

    @Test func deliveryLogForgetsTheOldestBeyondCapacity() {
        let log = DeliveryLog(capacity: 3)
        for id in ["a", "b", "c", "d"] { #expect(log.claim(id)) }
        #expect(!log.claim("d"))
        #expect(log.claim("a"))  // forgotten
        log.release("a")
        #expect(log.claim("a"))
    }
}
