import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("Leader election")
struct LeaderElectionTests {
    static let timing = LeaderElector.Timing(leaseDuration: 1, renewDeadline: 0.6, retryPeriod: 0.1)

    @Test func onlyOneCandidateLeadsAndTheLeaseIsReleasedOnShutdown() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]], force: true)
            let a = LeaderElector(client: h.client, namespace: "sandcastle-system", identity: "a", timing: Self.timing)
            let b = LeaderElector(client: h.client, namespace: "sandcastle-system", identity: "b", timing: Self.timing)
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
            try await Task.sleep(for: .milliseconds(300))
            let runB = Task { await b.run { await lead("b") } }
            try await Task.sleep(for: .milliseconds(500))
            #expect(leaders.withLock { $0 } == ["a"])
            let aLeads = await a.isLeader
            let bLeads = await b.isLeader
            #expect(aLeads && !bLeads)
            runA.cancel()  // graceful shutdown releases the lease: b takes over well before it would expire
            await runA.value
            let afterShutdown = await h.fake.object(
                ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "sandcastle-system", name: "sandcastle-controller"))
            #expect(afterShutdown?.value(at: "spec.holderIdentity")?.string != "a", "the lease was released, not left to expire")
            let released = Date()
            while !(await b.isLeader), Date().timeIntervalSince(released) < 3 { try await Task.sleep(for: .milliseconds(20)) }
            let bLeadsNow = await b.isLeader
            #expect(bLeadsNow)
            #expect(leaders.withLock { $0 } == ["a", "b"])
            #expect(!overlap.withLock { $0 })
            let lease = try #require(
                await h.fake.object(
                    ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "sandcastle-system", name: "sandcastle-controller")))
            #expect(lease.value(at: "spec.holderIdentity")?.string == "b")
            #expect(lease.value(at: "spec.leaseTransitions") == .int(1))
            runB.cancel()
            await runB.value
        }
    }

    @Test func anExpiredLeaseIsTakenOverAndALiveOneIsNot() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]], force: true)
            let a = LeaderElector(client: h.client, namespace: "ns", identity: "a", timing: Self.timing)
            let b = LeaderElector(client: h.client, namespace: "ns", identity: "b", timing: Self.timing)
            #expect(await a.tryAcquireOrRenew())
            #expect(await b.tryAcquireOrRenew() == false)
            // a stops renewing (crashed): after the lease duration b takes over.
            try await Task.sleep(for: .milliseconds(1100))
            #expect(await b.tryAcquireOrRenew())
            #expect(await a.tryAcquireOrRenew() == false)
        }
    }

    @Test func simultaneousTakeoversHaveOneWinner() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]], force: true)
            let candidates = (0..<5).map { LeaderElector(client: h.client, namespace: "ns", identity: "c\($0)", timing: Self.timing) }
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
