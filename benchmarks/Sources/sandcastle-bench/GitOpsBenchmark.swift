import Foundation
import Metrics
import SandcastleController
import SandcastleCore
import SandcastleGitHub
import SandcastleKubernetes
import SandcastleTestSupport

/// `prs` PRs opened at once with `sink.kind: argocd` (an AppProject per preview), on the fake cluster whose Argo CD stand-in
/// reports each Application Synced and Healthy `delay` after it is written. Per PR:
/// - webhook → Application written (what an ApplicationSet PR generator does at its next poll,
///   every few minutes by default);
/// - detection: Application reported Healthy → Ready on GitHub (through the watch).
func runGitOpsBenchmark(prs: Int, delay: Double) async throws {
    let repository = RepositoryName(owner: "acme", name: "shop")
    try await Fakes.with(repositories: [repository]) { fakes in
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let origin = try BenchmarkOrigin(path: work.path + "/origin")
        let sha = try origin.commit(bundle: thirtyObjectBundle(version: "1"))
        let settings = try config(
            repositories: [repository], apiURL: fakes.github.apiURL, sink: "{kind: argocd, argocd: {namespace: argocd}}")
        try await fakes.kube.kubernetes.simulateGitOps(GitOpsSimulation(syncAfter: delay))
        _ = try await fakes.kube.kubernetes.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "argocd"]])
        let engine = GitOpsEngine(sink: settings.sink, forgeAPIURL: settings.forge.apiURL)
        var sinkOptions = ClusterSink.Options()
        sinkOptions.engine = engine
        let sink = ClusterSink(client: fakes.kubeClient, options: sinkOptions)
        let dependencies = ControllerDependencies(
            config: settings, source: fakes.gitHubClient, reporter: fakes.gitHubClient, sink: PreviewSink(sink),
            bundles: try GitCheckouts(root: work.path + "/checkouts", remote: .init(url: { _ in origin.url }, token: { _ in nil })),
            logger: quiet("bench"), metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance),
            changes: ClusterWatcher(client: fakes.kubeClient, config: settings, store: sink, logger: quiet("watch")))
        let running = try await ControllerOnLoopback.start(dependencies)
        var payloads: [Data] = []
        for number in 1...prs {
            await fakes.github.github.putPullRequest(repository, number: number, sha: sha, labels: ["preview"], labeledBy: "maintainer")
            payloads.append(try await pullRequestPayload(fakes, repository: repository, number: number))
        }
        let sent = ContinuousClock.now
        let sentAt = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for payload in payloads {
                group.addTask {
                    let delivery = try await running.sender.deliver(event: "pull_request", payload: payload, to: running.url)
                    precondition(delivery.status == 202, delivery.body)
                }
            }
            try await group.waitForAll()
        }
        func ready(_ number: Int) -> Date? {
            guard let record = dependencies.book.record(PreviewKey(repository: repository, number: number)), record.phase == .ready else {
                return nil
            }
            return record.stages.first { $0.name == .ready }?.finishedAt
        }
        while (1...prs).contains(where: { ready($0) == nil }) {
            if ContinuousClock.now - sent > .seconds(120) { fatalError("only some of \(prs) became ready") }
            try await Task.sleep(for: .milliseconds(50))
        }
        var written: [Double] = []
        var detection: [Double] = []
        for number in 1...prs {
            let ref = ResourceRef(
                apiVersion: ArgoCDApplication.apiVersion, kind: ArgoCDApplication.kind, namespace: "argocd", name: "pr-\(number)-shop")
            let created = try requireValue(await fakes.kube.kubernetes.specChanged(ref), "the Application of PR \(number)")
            let synced = try requireValue(await fakes.kube.kubernetes.engineSynced(ref), "Argo CD's sync of PR \(number)")
            written.append(created.timeIntervalSince(sentAt))
            detection.append(ready(number)!.timeIntervalSince(synced))
        }
        print("\(prs) PRs opened at once with sink.kind argocd, Applications Healthy \(Int(delay * 1000)) ms after they are written, 4 workers")
        print("| measure | p50 | p99 | max |")
        print("|---|---|---|---|")
        print(
            String(
                format: "| webhook → Application written | %.0f ms | %.0f ms | %.0f ms |", percentile(written, 0.5) * 1000,
                percentile(written, 0.99) * 1000, (written.max() ?? 0) * 1000))
        print(
            String(
                format: "| detection (Application Healthy → Ready on GitHub) | %.0f ms | %.0f ms | %.0f ms |", percentile(detection, 0.5) * 1000,
                percentile(detection, 0.99) * 1000, (detection.max() ?? 0) * 1000))
        try await running.stop()
    }
}

private func requireValue<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw InvalidBenchmark("missing \(what)") }
    return value
}
