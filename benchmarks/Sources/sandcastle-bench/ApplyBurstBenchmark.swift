import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport

/// The floor under `rollout`: `previews` first applies of 30-object previews started at once through
/// `ClusterSink.applyPreview` against the fake API server, with no webhook, render, GitHub or
/// planner around them. Prints when the first and the last apply finished: no controller can
/// start the last preview's rollout sooner on this machine with this API server.
func runApplyBurstBenchmark(previews: Int) async throws {
    let server = try await FakeKubernetesServer.start()
    let client = try KubernetesClient(config: KubeConfig(server: server.url, credentials: .token("bench")))
    let sink = ClusterSink(client: client)
    let configMaps = 30 - (try Make.preview(1, configMaps: 0).objects.count)
    _ = try await sink.applyPreview(try Make.preview(100_000, configMaps: configMaps))  // warm-up: connections, discovery
    let rendered = try (1...previews).map { try Make.preview($0, configMaps: configMaps) }
    await server.kubernetes.resetRequests()
    let busyBefore = await server.kubernetes.busy
    let start = ContinuousClock.now
    let finished = try await withThrowingTaskGroup(of: Duration.self) { group in
        for preview in rendered {
            group.addTask {
                _ = try await sink.applyPreview(preview)
                return ContinuousClock.now - start
            }
        }
        var all: [Duration] = []
        for try await value in group { all.append(value) }
        return all.sorted()
    }
    func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
    let busy = milliseconds(await server.kubernetes.busy - busyBefore)
    print("\(previews) first applies of 30-object previews started at once, fake API server on loopback, nothing else running")
    print("| first finished | median finished | last finished | API requests | fake API server busy |")
    print("|---|---|---|---|---|")
    print(
        String(
            format: "| %.0f ms | %.0f ms | %.0f ms | %d | %.0f ms |", milliseconds(finished.first!), milliseconds(finished[finished.count / 2]),
            milliseconds(finished.last!), await server.kubernetes.requests.count, busy))
    try await client.shutdown()
    await server.stop()
}
