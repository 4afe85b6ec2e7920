import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// Leases with `MicroTime`s, against a fake that parses timestamps as the real server does.
@Suite("Lease timestamps")
struct LeaseTimeTests {
    static func recorded(_ name: String) throws -> ManifestObject {
        try ManifestValue.parseJSON(try Fixtures.data("kubernetes/\(name)")).object!
    }

    static func lease(acquireTime: String, renewTime: String) -> ManifestObject {
        [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "microtime-probe", "namespace": "default"],
            "spec": [
                "holderIdentity": "a", "leaseDurationSeconds": 15, "acquireTime": .string(acquireTime), "renewTime": .string(renewTime),
            ],
        ]
    }

    @Test func theOldMillisecondFormIsRefusedWithTheRecorded400() async throws {
        try await KubeHarness.with { h in
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]])
            let real = try Self.recorded("status-400-lease-microtime-milliseconds.json")
            do {
                _ = try await h.client.create(Self.lease(acquireTime: "2026-11-30T19:55:43.123Z", renewTime: "2026-11-30T19:55:43.123Z"))
                Issue.record("the fake accepted a MicroTime with three fractional digits")
            } catch KubernetesError.status(let status) {
                #expect(status.code == 400)
                #expect(status.reason == .badRequest)
                #expect(status.message == real["message"]?.string)
            }
            #expect(
                await h.fake.object(ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "default", name: "microtime-probe"))
                    == nil)
        }
    }

    @Test func theSixDigitFormIsAcceptedLikeTheRecordedLease() async throws {
        try await KubeHarness.with { h in
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]])
            let real = try Self.recorded("lease-created-microtime.json")
            let created = try await h.client.create(
                Self.lease(acquireTime: "2026-11-30T19:55:43.123456Z", renewTime: "2026-11-30T19:55:43.123456Z"))
            #expect(created.value(at: "spec.renewTime") == real.value(at: "spec.renewTime"))
            #expect(created.value(at: "spec.acquireTime") == real.value(at: "spec.acquireTime"))
        }
    }

    @Test func theElectorWritesMicroTimesAndLeads() async throws {
        try await KubeHarness.with { h in
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]])
            let events = LockedValue([LeaderElectionEvent]())
            let elector = LeaderElector(client: h.client, namespace: "ns", identity: "a") { event in events.withLock { $0.append(event) } }
            #expect(await elector.tryAcquireOrRenew())
            #expect(await elector.tryAcquireOrRenew())
            let lease = try #require(
                await h.fake.object(ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "ns", name: "sandcastle-controller")))
            for field in ["spec.acquireTime", "spec.renewTime"] {
                let text = try #require(lease.value(at: field)?.string)
                #expect(text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil, "\(field): \(text)")
            }
            #expect(events.withLock { $0 } == [.leading, .leading])
        }
    }

    @Test func aFailedAttemptIsReportedWithTheAPIsMessage() async throws {
        try await KubeHarness.with { h in
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]])
            await h.fake.restrictAccess(
                user: "system:serviceaccount:ns:sandcastle",
                rules: [FakeRBACRule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get"])])
            let events = LockedValue([LeaderElectionEvent]())
            let elector = LeaderElector(client: h.client, namespace: "ns", identity: "a") { event in events.withLock { $0.append(event) } }
            #expect(await elector.tryAcquireOrRenew() == false)
            guard case .failed(let message, let stillLeading) = events.withLock({ $0.last }) else {
                Issue.record("no failure reported: \(events.withLock { $0 })")
                return
            }
            #expect(!stillLeading)
            #expect(message.contains("Lease ns/sandcastle-controller"))
            #expect(
                message.contains(
                    #"leases.coordination.k8s.io is forbidden: User "system:serviceaccount:ns:sandcastle" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "ns""#
                ), "\(message)")
        }
    }

    @Test func anotherCandidateWinningARaceIsNotAnError() async throws {
        try await KubeHarness.with { h in
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ns"]])
            let events = LockedValue([LeaderElectionEvent]())
            let a = LeaderElector(client: h.client, namespace: "ns", identity: "a")
            let b = LeaderElector(client: h.client, namespace: "ns", identity: "b") { event in events.withLock { $0.append(event) } }
            #expect(await a.tryAcquireOrRenew())
            #expect(await b.tryAcquireOrRenew() == false)
            #expect(events.withLock { $0 } == [.following(holder: "a")])
        }
    }
}
