import Foundation
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
    static var fast: ClusterSink.Options {
        var options = ClusterSink.Options()
        options.teardownTimeout = 2
        options.pollInterval = 0.05
        return options
    }
}
