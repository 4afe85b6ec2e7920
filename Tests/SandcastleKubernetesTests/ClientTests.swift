import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("Kubernetes client against the fake API server")
struct ClientTests {
    typealias H = KubeHarness

    static func configMap(_ name: String, namespace: String = "team", data: String = "1", labels: [String: String] = [:]) -> ManifestObject {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .strings(labels)],
            "data": ["k": .string(data)],
        ]
    }

    static let namespace: ManifestObject = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]]

    @Test func serverSideApplyCreatesThenMergesAndGetReadsBack() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            let created = try await h.client.apply(Self.configMap("settings"), force: true)
            let uid = try #require(created.value(at: "metadata.uid")?.string)
            let updated = try await h.client.apply(Self.configMap("settings", data: "2"), force: true)
            #expect(updated.value(at: "metadata.uid")?.string == uid)
            #expect(updated.value(at: "data.k")?.string == "2")
            let read = try #require(try await h.client.get(ResourceRef(Self.configMap("settings"))))
            #expect(read.value(at: "data.k")?.string == "2")
            #expect(read["kind"]?.string == "ConfigMap")
            let patches = await h.fake.requests.filter { $0.method == "PATCH" }
            #expect(
                patches.allSatisfy {
                    $0.contentType == "application/apply-patch+yaml" && $0.query.contains("fieldManager=sandcastle")
                        && $0.query.contains("force=true")
                })
            #expect(try await h.client.get(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "absent")) == nil)
        }
    }

    @Test func listsFollowContinueAndFilterByLabel() async throws {
        var options = KubernetesClientOptions.fast
        options.pageSize = 2
        try await H.with(options: options) { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            for index in 0..<7 {
                _ = try await h.client.apply(Self.configMap("cm\(index)", labels: ["app": index % 2 == 0 ? "shop" : "blog"]), force: true)
            }
            let all = try await h.client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "team", labelSelector: nil)
            #expect(all.count == 7)
            #expect(all.allSatisfy { $0["kind"]?.string == "ConfigMap" })
            let shop = try await h.client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "team", labelSelector: "app=shop")
            #expect(shop.map { $0.value(at: "metadata.name")?.string } == ["cm0", "cm2", "cm4", "cm6"])
            let lists = await h.fake.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/configmaps") }
            #expect(lists.count == 4 + 2)  // 7 items in pages of 2, then 4 in pages of 2
            #expect(lists.contains { $0.query.contains("continue=") })
        }
    }

    @Test func deleteHonoursTheUIDPrecondition() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            let created = try await h.client.apply(Self.configMap("x"), force: true)
            let ref = ResourceRef(Self.configMap("x"))
            do {
                _ = try await h.client.delete(ref, propagation: .background, uid: "not-the-uid")
                Issue.record("expected a conflict")
            } catch let error as KubernetesError {
                #expect(error.reason == .conflict)
            }
            #expect(try await h.client.delete(ref, propagation: .background, uid: created.value(at: "metadata.uid")?.string))
            #expect(try await h.client.delete(ref, propagation: .background, uid: nil) == false)
        }
    }

    @Test func discoveryFindsACRDInstalledLater() async throws {
        try await H.with { h in
            let widget: ManifestObject = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "namespace": "team"]]
            _ = try await h.client.apply(Self.namespace, force: true)
            await #expect(throws: KubernetesError.unknownType(apiVersion: "example.com/v1", kind: "Widget")) {
                _ = try await h.client.apply(widget, force: true)
            }
            await h.fake.addType(.init(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true))
            let created = try await h.client.apply(widget, force: true)
            #expect(created.value(at: "metadata.namespace")?.string == "team")
            // Discovery is cached: one document per group-version.
            let discovery = await h.fake.requests.filter { $0.path == "/api/v1" }
            #expect(discovery.count == 1)
        }
    }

    @Test func throttlingAndServerErrorsAreRetriedHonouringRetryAfter() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            await h.fake.inject(FakeKubernetesFault(.status(429, reason: "TooManyRequests", retryAfter: 1), method: "PATCH", times: 1))
            await h.fake.inject(FakeKubernetesFault(.status(503, reason: "ServiceUnavailable"), method: "PATCH", times: 2))
            let start = Date()
            _ = try await h.client.apply(Self.configMap("retry"), force: true)
            // Retry-After is capped by maxBackoff (0.05 s in tests); four attempts in all.
            #expect(Date().timeIntervalSince(start) >= 0.05)
            #expect(await h.fake.requests.filter { $0.method == "PATCH" && $0.path.hasSuffix("/retry") }.count == 4)
        }
    }

    @Test func droppedConnectionsAreRetried() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            await h.fake.inject(FakeKubernetesFault(.dropConnection, method: "GET", pathContains: "/configmaps/", times: 2))
            #expect(try await h.client.get(ResourceRef(Self.configMap("none"))) == nil)
        }
    }

    @Test func persistentFailureIsATypedError() async throws {
        try await H.with { h in
            await h.fake.inject(FakeKubernetesFault(.status(500, reason: "InternalError"), times: 10))
            do {
                _ = try await h.client.apply(Self.namespace, force: true)
                Issue.record("expected an error")
            } catch let error as KubernetesError {
                #expect(error.reason == .serverError)
                #expect(String(describing: error).contains("HTTP 500"))
            }
        }
    }

    @Test func staleUpdatesConflict() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            let created = try await h.client.create(Self.configMap("lease-like"))
            var first = created
            first.set("a", at: "data.k")
            _ = try await h.client.replace(first)
            var stale = created
            stale.set("b", at: "data.k")
            await #expect(throws: KubernetesError.self) { _ = try await h.client.replace(stale) }
            await #expect(throws: KubernetesError.self) { _ = try await h.client.create(Self.configMap("lease-like")) }
        }
    }

    @Test func anotherManagersObjectConflictsWithoutForce() async throws {
        try await H.with { h in
            _ = try await h.client.apply(Self.namespace, force: true)
            try await h.fake.seed(Self.configMap("theirs"))
            do {
                _ = try await h.client.apply(Self.configMap("theirs", data: "mine"), force: false)
                Issue.record("expected a conflict")
            } catch let KubernetesError.status(status) {
                #expect(status.reason == .conflict)
                #expect(status.causes.first?.reason == "FieldManagerConflict")
            }
        }
    }
}
