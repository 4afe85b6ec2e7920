import Foundation
import SandcastleController
import SandcastleCore
import SandcastleTestSupport

@testable import SandcastleKubernetes

/// The fake API server on loopback and a client and sink pointed at it.
struct KubeHarness {
    let server: FakeKubernetesServer
    let client: KubernetesClient
    let sink: ClusterSink
    var fake: FakeKubernetes { server.kubernetes }

    static func with(
        options: KubernetesClientOptions = .fast, sinkOptions: ClusterSink.Options = .fast, _ body: (KubeHarness) async throws -> Void
    ) async throws {
        let server = try await FakeKubernetesServer.start()
        await server.kubernetes.requireBearerToken(["fake-token"])
        let client = try KubernetesClient(config: KubeConfig(server: server.url, credentials: .token("fake-token")), options: options)
        let harness = KubeHarness(server: server, client: client, sink: ClusterSink(client: client, options: sinkOptions))
        do { try await body(harness) } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        try await client.shutdown()
        await server.stop()
    }
}

extension KubeHarness {
    /// A Widget (a custom kind) in `namespace` held by a finalizer its controller never removes:
    /// the namespace stays Terminating until the test removes it.
    func seedHeldWidget(in namespace: String) async throws -> ManifestObject {
        await fake.addType(.init(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true))
        let widget: ManifestObject = [
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": ["name": "held", "namespace": .string(namespace), "finalizers": ["example.com/hold"]],
        ]
        try await fake.seed(widget)
        return widget
    }

    /// `sandcastle teardown` of `key`: the planner's teardown through this sink, up to `timeout`.
    func tearDown(_ key: PreviewKey, timeout: TimeInterval = 2) async throws -> OperatorTeardown.Outcome {
        var teardown = OperatorTeardown(store: sink, applier: sink, database: nil, settings: .builtin)
        teardown.lookAgainAfter = 0.05
        return try await teardown.run(key, timeout: timeout)
    }
}

extension KubernetesClientOptions {
    /// Short waits for tests.
    static var fast: KubernetesClientOptions {
        var options = KubernetesClientOptions()
        options.requestTimeout = 5
        options.baseBackoff = 0.01
        options.maxBackoff = 0.05
        return options
    }
}

extension ClusterSink.Options {
    static var fast: ClusterSink.Options { ClusterSink.Options() }
}
