import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// One preview's life through the cluster sink: claim, apply, Ready observed from the workloads,
/// a push applied and Ready again, teardown observed until the namespace is gone, the record
/// forgotten. It runs on the fake API server always, and on a real cluster when
/// `SANDCASTLE_TEST_KUBECONFIG` names a kubeconfig (kind, k3d, minikube): there in a namespace of
/// its own, installing the PreviewEnvironment CRD if missing and removing what it made.
@Suite("A preview's life on a cluster: the fake always, a real one when given", .serialized)
struct ClusterLifecycleTests {
    static let kubeconfig = ProcessInfo.processInfo.environment["SANDCASTLE_TEST_KUBECONFIG"].flatMap { $0.isEmpty ? nil : $0 }

    @Test func onTheFakeAPIServer() async throws {
        try await KubeHarness.with { h in
            // The fake's deployment controller stand-in, as a real cluster runs the real one.
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0.2))
            try await Self.lifecycle(client: h.client, key: PreviewKey(repository: Make.repository, number: 41), patience: 10)
        }
    }

    @Test(.enabled(if: kubeconfig != nil, "SANDCASTLE_TEST_KUBECONFIG is not set: the lifecycle on a real cluster is skipped (docs/kubernetes.md)"))
    func onARealCluster() async throws {
        let client = try KubernetesClient(config: try KubeConfig.file(try #require(Self.kubeconfig)))
        defer { Task { try? await client.shutdown() } }
        if try await client.get(ResourceRef(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "previewenvironments.sandcastle.dev")) == nil {
            _ = try await client.apply(PreviewEnvironmentDefinition.object, force: true)
            try await Self.eventually("the CRD is served", patience: 30) {
                (try? await client.list(apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil, labelSelector: nil)) != nil
            }
        }
        // A repository name of its own per run: its namespace and record collide with nothing.
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let key = PreviewKey(repository: RepositoryName(owner: "sandcastle-test", name: "run-\(run)"), number: Int.random(in: 1...99_999))
        try await Self.lifecycle(client: client, key: key, patience: 180)
    }

    /// The life of `key`'s preview on the cluster `client` reaches; removes what it made on failure.
    static func lifecycle(client: KubernetesClient, key: PreviewKey, patience: Double) async throws {
        let sink = ClusterSink(client: client)
        let first = try preview(key, version: "1")
        do {
            try await sink.claim(first)
            _ = try await sink.apply(first)
            try await eventually("Ready at the first commit", patience: patience) { try await Self.ready(sink, key) }
            let pushed = try preview(key, version: "2")
            let report = try await sink.apply(pushed)
            #expect(!report.unchanged && report.applied > 0, "the push wrote what changed")
            #expect(try await sink.observe(key)?.sha == pushed.sha)
            try await eventually("Ready at the push", patience: patience) { try await Self.ready(sink, key) }

            try await sink.deleteNamespace(key, reason: "the pull request was closed")
            try await eventually("the namespace is gone", patience: patience) {
                guard let fact = try await sink.observe(key) else { return false }
                return fact.namespaceState == .missing
            }
            try await sink.forget(key)
            try await eventually("the record is gone", patience: patience) { try await sink.observe(key) == nil }
        } catch {
            _ = try? await sink.deleteNamespace(key, reason: "test cleanup")
            _ = try? await client.delete(PreviewEnvironment.ref(first.names.namespace), propagation: .background, uid: nil)
            throw error
        }
    }

    /// A preview whose Deployment has no replicas: Available on any cluster without pulling an image.
    static func preview(_ key: PreviewKey, version: String) throws -> RenderedPreview {
        let sha = String(repeating: version == "1" ? "a" : "b", count: 40)
        let context = RenderContext(key: key, sha: sha, settings: .builtin)
        let bundle = [
            Manifest(
                object: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings"], "data": ["version": .string(version)]],
                source: "configmap.yaml"),
            Manifest(
                object: [
                    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                    "spec": [
                        "replicas": 0, "selector": ["matchLabels": ["app": "web"]],
                        "template": [
                            "metadata": ["labels": ["app": "web"]],
                            "spec": ["containers": [["name": "web", "image": .string("registry.k8s.io/pause@sha256:" + String(repeating: "c", count: 64))]]],
                        ],
                    ],
                ], source: "deployment.yaml"),
        ]
        return try Renderer().assemble(bundle, context: context)
    }

    static func ready(_ sink: ClusterSink, _ key: PreviewKey) async throws -> Bool {
        guard case .observed(let workloads)? = try await sink.observe(key)?.workloads else { return false }
        return !workloads.isEmpty && workloads.allSatisfy { $0.readiness == .ready }
    }

    /// The shared `eventually`, throwing when it does not hold, so that a failure cleans up.
    static func eventually(_ what: String, patience: Double, _ condition: () async throws -> Bool) async throws {
        guard try await SandcastleTestSupport.eventually(patience, condition) else { throw ClusterLifecycleTimeout(what: what) }
    }
}

struct ClusterLifecycleTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(what)" }
}
