import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport

/// Applying a 30-object preview and re-applying it unchanged, against the fake API server over
/// loopback HTTP: latency per apply and API calls per apply (from the server's request log).
func runApplyBenchmark(runs: Int) async throws {
    let server = try await FakeKubernetesServer.start()
    let client = try KubernetesClient(config: KubeConfig(server: server.url, credentials: .token("bench")))
    let sink = ClusterSink(client: client)
    let baseline = try Make.preview(1, configMaps: 0).objects.count
    let configMaps = 30 - baseline
    var first: [Double] = []
    var again: [Double] = []
    var firstCalls: [Int] = []
    var againCalls: [Int] = []
    var againWrites = 0
    var firstWrites = 0

    _ = try await sink.applyPreview(try Make.preview(100_000, configMaps: configMaps))  // warm-up: connections, discovery
    for run in 1...runs {
        let preview = try Make.preview(run, configMaps: configMaps)
        precondition(preview.objects.count == 30)
        await server.kubernetes.resetRequests()
        var start = ContinuousClock.now
        let report = try await sink.applyPreview(preview)
        first.append(seconds(ContinuousClock.now - start))
        precondition(!report.unchanged)
        firstCalls.append(await server.kubernetes.requests.count)
        firstWrites += await server.kubernetes.writeRequests.count

        await server.kubernetes.resetRequests()
        start = ContinuousClock.now
        let unchanged = try await sink.applyPreview(preview)
        again.append(seconds(ContinuousClock.now - start))
        precondition(unchanged.unchanged)
        againCalls.append(await server.kubernetes.requests.count)
        againWrites += await server.kubernetes.writeRequests.count
    }
    print(
        "apply a 30-object preview (\(configMaps) ConfigMaps, a Deployment, a Service and the baselines), \(runs) previews, fake API server on loopback"
    )
    print("| apply | median | p99 | API calls per apply | writes per apply |")
    print("|---|---|---|---|---|")
    print(
        String(
            format: "| first apply | %.2f ms | %.2f ms | %.1f | %.1f |", percentile(first, 0.5) * 1000, percentile(first, 0.99) * 1000,
            Double(firstCalls.reduce(0, +)) / Double(runs), Double(firstWrites) / Double(runs)))
    print(
        String(
            format: "| unchanged re-apply | %.3f ms | %.3f ms | %.1f | %.1f |", percentile(again, 0.5) * 1000, percentile(again, 0.99) * 1000,
            Double(againCalls.reduce(0, +)) / Double(runs), Double(againWrites) / Double(runs)))
    try await client.shutdown()
    await server.stop()
}
