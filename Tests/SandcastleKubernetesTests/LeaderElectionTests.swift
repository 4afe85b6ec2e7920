import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("Leader election")
struct LeaderElectionTests {
    static let leaseRef = ResourceRef(
        apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "sandcastle-system", name: "sandcastle-controller")

    @Test func onlyOneCandidateLeadsAndTheLeaseIsReleasedOnShutdown() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]], force: true)
            // A lease long enough that a slow machine never lets it expire while its holder renews.
            let timing = LeaderElector.Timing(leaseDuration: 30, renewDeadline: 20, retryPeriod: 0.1)
            let a = LeaderElector(client: h.client, namespace: "sandcastle-system", identity: "a", timing: timing)
            let b = LeaderElector(client: h.client, namespace: "sandcastle-system", identity: "b", timing: timing)
            let leaders = LockedValue([String]())
            let overlap = LockedValue(false)
            let active = LockedValue(0)
            @Sendable func lead(_ name: String) async {
                leaders.withLock { $0.append(name) }
                if active.withLock({
                    $0 += 1; return $0
                }) > 1 {
                    overlap.withLock { $0 = true }
                }
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                active.withLock { $0 -= 1 }
            }
            let runA = Task { await a.run { await lead("a") } }
            #expect(await eventually { await a.isLeader })
            #expect(await eventually { leaders.withLock { $0 } == ["a"] })
            let runB = Task { await b.run { await lead("b") } }
            // b campaigns for a while (many retry periods) and never leads while a renews.
            #expect(await eventually { await h.fake.requests.filter { $0.path.contains("/leases/") }.count >= 20 })
            let bLeads = await b.isLeader
            #expect(!bLeads)
            #expect(leaders.withLock { $0 } == ["a"])

            runA.cancel()  // graceful shutdown releases the lease: b takes over long before it would expire
            await runA.value
            let afterShutdown = await h.fake.object(Self.leaseRef)
            #expect(afterShutdown?.value(at: "spec.holderIdentity")?.string != "a", "the lease was released, not left to expire")
            #expect(await eventually { await b.isLeader })
            #expect(await eventually { leaders.withLock { $0 } == ["a", "b"] })
            #expect(!overlap.withLock { $0 })
            let lease = try #require(await h.fake.object(Self.leaseRef))
            #expect(lease.value(at: "spec.holderIdentity")?.string == "b")
            #expect(lease.value(at: "spec.leaseTransitions") == .int(1))
            runB.cancel()
            await runB.value
        }
    }

    @Test func anExpiredLeaseIsTakenOverAndALiveOneIsNot() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]], force: true)
            let clock = ManualClock(Date())
            let timing = LeaderElector.Timing()  // 15 s lease, 10 s renew deadline, 2 s retry
            let a = LeaderElector(client: h.client, namespace: "ns", identity: "a", timing: timing, clock: clock)
            let b = LeaderElector(client: h.client, namespace: "ns", identity: "b", timing: timing, clock: clock)
            #expect(await a.tryAcquireOrRenew())
            clock.advance(by: 14)
            #expect(await b.tryAcquireOrRenew() == false)  // renewed 14 s ago: still a's
            #expect(await a.tryAcquireOrRenew())  // a renews
            clock.advance(by: 14)
            #expect(await b.tryAcquireOrRenew() == false)
            // a stops renewing (crashed): once the lease duration has passed, b takes over.
            clock.advance(by: 16)
            #expect(await b.tryAcquireOrRenew())
            #expect(await a.tryAcquireOrRenew() == false)
        }
    }

    @Test func simultaneousTakeoversHaveOneWinner() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]], force: true)
            let candidates = (0..<5).map { LeaderElector(client: h.client, namespace: "ns", identity: "c\($0)") }
            let wins = await withTaskGroup(of: Bool.self) { group in
                for candidate in candidates { group.addTask { await candidate.tryAcquireOrRenew() } }
                var count = 0
                for await won in group where won { count += 1 }
                return count
            }
            #expect(wins == 1)
        }
    }
}
