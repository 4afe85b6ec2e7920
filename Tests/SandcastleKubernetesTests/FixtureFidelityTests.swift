import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// The client decodes what a real API server sent, and the fake answers in the same shapes.
@Suite("Recorded Kubernetes responses")
struct FixtureFidelityTests {
    static func fixture(_ name: String) throws -> Data { try Fixtures.data("kubernetes/\(name)") }

    @Test(arguments: [
        ("status-404-not-found.json", KubernetesStatus.Reason.notFound, 404),
        ("status-409-already-exists.json", .alreadyExists, 409),
        ("status-409-stale-resource-version.json", .conflict, 409),
        ("status-409-ssa-conflict.json", .conflict, 409),
        ("status-422-invalid.json", .invalid, 422),
        ("status-422-invalid-deployment.json", .invalid, 422),
        ("status-403-forbidden.json", .forbidden, 403),
        ("status-401-unauthorized.json", .unauthorized, 401),
    ])
    func realStatusBodiesDecode(name: String, reason: KubernetesStatus.Reason, code: Int) throws {
        let status = try #require(KubernetesStatus.decode(try Self.fixture(name), code: code, request: "GET /x"))
        #expect(status.reason == reason)
        #expect(status.code == code)
        if name.hasPrefix("status-422") {
            #expect(!status.causes.isEmpty && status.causes.allSatisfy { !$0.field.isEmpty })
        }
        if name == "status-409-ssa-conflict.json" { #expect(status.causes.contains { $0.reason == "FieldManagerConflict" }) }
    }

    @Test func theFakesDiscoveryAgreesWithARealServer() async throws {
        let real = try ManifestValue.parseJSON(try Self.fixture("api-v1.json")).object!
        let realResources = Dictionary(
            uniqueKeysWithValues: (real["resources"]?.array ?? []).compactMap { $0.object }.map { ($0["name"]!.string!, $0) })
        for (fixtureName, groupVersion) in [
            ("api-v1.json", "v1"), ("apis-apps-v1.json", "apps/v1"), ("apis-coordination.k8s.io-v1.json", "coordination.k8s.io/v1"),
            ("apis-networking.k8s.io-v1.json", "networking.k8s.io/v1"),
        ] {
            let realList = try ManifestValue.parseJSON(try Self.fixture(fixtureName)).object!
            let byName = Dictionary(
                uniqueKeysWithValues: (realList["resources"]?.array ?? []).compactMap { $0.object }.map { ($0["name"]!.string!, $0) })
            let fakeTypes = FakeKubernetes.builtinTypes.filter { $0.apiVersion == groupVersion }
            let fake = FakeKubernetes.discovery(fakeTypes, groupVersion: groupVersion).object!
            let entries: [ManifestValue] = fake["resources"]?.array ?? []
            for case .object(let entry) in entries {
                let name = entry["name"]!.string!
                let counterpart = try #require(byName[name], "\(groupVersion) \(name) is not served by a real server")
                #expect(entry["kind"] == counterpart["kind"], "\(name)")
                #expect(entry["namespaced"] == counterpart["namespaced"], "\(name)")
            }
            #expect(realList["groupVersion"]?.string == groupVersion)
        }
        #expect(realResources["namespaces"]?["namespaced"] == ManifestValue.bool(false))
    }

    @Test func theFakesStatusBodiesHaveTheRealShape() throws {
        let real = try ManifestValue.parseJSON(try Self.fixture("status-404-not-found.json")).object!
        let fakeType = FakeKubernetes.builtinTypes.first { $0.kind == "ConfigMap" }!
        let fake = FakeKubernetes.notFoundBody(fakeType, name: "missing")
        #expect(Set(fake.keys) == Set(real.keys))
        #expect(fake["message"]?.string == "configmaps \"missing\" not found")
        #expect(real["message"]?.string?.hasSuffix("not found") == true)
    }

    @Test func realListsAndAppliedObjectsDecode() throws {
        let list = try ManifestValue.parseJSON(try Self.fixture("list-configmaps-limit-2.json")).object!
        #expect(list.value(at: "metadata.continue")?.string?.isEmpty == false)
        #expect(list["items"]?.array?.count == 2)
        let applied = try ManifestValue.parseJSON(try Self.fixture("ssa-201-created-deployment.json")).object!
        #expect(ResourceRef(applied).kind == "Deployment")
        let stuck = try ManifestValue.parseJSON(try Self.fixture("namespace-terminating-finalizers-remaining.json")).object!
        let conditions = ClusterSink.namespaceConditions(stuck)
        #expect(conditions.contains { $0.type == "NamespaceFinalizersRemaining" && $0.status })
    }
}
