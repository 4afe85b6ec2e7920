import Foundation
import Metrics
import SandcastleController
import SandcastleCore
import SandcastleGitHub
import SandcastleKubernetes
import SandcastleTestSupport

/// (c) `prs` PRs opened at once on the fake cluster, whose Deployments become available `delay`
/// after they are applied (the deployment controller's stand-in). Per PR:
/// - overhead: time from its webhook to Ready reported on GitHub, minus `delay`;
/// - detection: time from its Deployment observed available in the fake to Ready reported.
func runRolloutBenchmark(prs: Int, delay: Double, workers: Int) async throws {
    let repository = RepositoryName(owner: "acme", name: "shop")
    try await Fakes.with(repositories: [repository]) { fakes in
        try await rollout(fakes, repository: repository, prs: prs, delay: delay, workers: workers)
    }
}

private func rollout(_ fakes: Fakes, repository: RepositoryName, prs: Int, delay: Double, workers: Int) async throws {
    let work = try TemporaryDirectory()
    defer { work.remove() }
    let origin = try BenchmarkOrigin(path: work.path + "/origin")
    let sha = try origin.commit(bundle: thirtyObjectBundle(version: "1"))

    let settings = try config(repositories: [repository], apiURL: fakes.github.apiURL, workers: workers)
    await fakes.kube.kubernetes.simulateWorkloads(WorkloadSimulation(readyAfter: delay))
    let dependencies = ControllerDependencies(
        config: settings, source: fakes.gitHubClient, reporter: fakes.gitHubClient,
        sink: PreviewSink(
            ClusterSink(
                client: fakes.kubeClient,
                options: {
                    var options = ClusterSink.Options()
                    if let value = ProcessInfo.processInfo.environment["BENCH_PARALLELISM"].flatMap(Int.init) { options.parallelism = value }
                    return options
                }())),
        bundles: try GitCheckouts(root: work.path + "/checkouts", remote: .init(url: { _ in origin.url }, token: { _ in nil })),
        logger: quiet("bench"), metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance),
        changes: ClusterWatcher(client: fakes.kubeClient, repositories: [repository], logger: quiet("watch")))
    let running = try await ControllerOnLoopback.start(dependencies)
    let (sender, url) = (running.sender, running.url)

    var payloads: [Data] = []
    for number in 1...prs {
        await fakes.github.github.putPullRequest(repository, number: number, sha: sha, labels: ["preview"], labeledBy: "maintainer")
        payloads.append(try await pullRequestPayload(fakes, repository: repository, number: number))
    }
    // Every webhook at once.
    let busyBefore = await fakes.kube.kubernetes.busy
    let sent = ContinuousClock.now
    let sentAt = Date()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for payload in payloads {
            group.addTask {
                let delivery = try await sender.deliver(event: "pull_request", payload: payload, to: url)
                precondition(delivery.status == 202, delivery.body)
            }
        }
        try await group.waitForAll()
    }
    // Wait without adding load: the times come from the controller's record and the fake's log.
    func ready(_ number: Int) -> Date? {
        guard let record = dependencies.book.record(PreviewKey(repository: repository, number: number)), record.phase == .ready else { return nil }
        return record.stages.first { $0.name == .ready }?.finishedAt
    }
    while (1...prs).contains(where: { ready($0) == nil }) {
        if ContinuousClock.now - sent > .seconds(120) { fatalError("only some of \(prs) became ready") }
        try await Task.sleep(for: .milliseconds(50))
    }
    var overhead: [Double] = []
    var detection: [Double] = []
    for number in 1...prs {
        let readyAt = ready(number)!
        let available = try require(
            await fakes.kube.kubernetes.becameAvailable(
                ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-\(number)-shop", name: "web")))
        overhead.append(readyAt.timeIntervalSince(sentAt) - delay)
        detection.append(readyAt.timeIntervalSince(available))
    }
    let busy = seconds(await fakes.kube.kubernetes.busy - busyBefore)
    let wall = seconds(ContinuousClock.now - sent)
    if ProcessInfo.processInfo.environment["BENCH_TIMELINE"] != nil {
        for number in 1...prs {
            let record = dependencies.book.record(PreviewKey(repository: repository, number: number))!
            let apply = record.stages.first { $0.name == .apply }!
            let available = await fakes.kube.kubernetes.becameAvailable(
                ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-\(number)-shop", name: "web"))!
            print(
                String(
                    format: "PR %2d apply %5.0f–%5.0f ms, available %5.0f, ready %5.0f", number, apply.startedAt.timeIntervalSince(sentAt) * 1000,
                    (apply.finishedAt ?? sentAt).timeIntervalSince(sentAt) * 1000, available.timeIntervalSince(sentAt) * 1000,
                    ready(number)!.timeIntervalSince(sentAt) * 1000))
        }
    }
    print("\(prs) PRs opened at once (30-object previews), Deployments available \(Int(delay * 1000)) ms after their apply, \(workers) workers")
    print(
        String(
            format: "the fake API server was busy serving requests %.1f s of the %.1f s until the last Ready (%d requests)", busy, wall,
            await fakes.kube.kubernetes.requests.count))
    print("| measure | p50 | p99 | max |")
    print("|---|---|---|---|")
    print(
        String(
            format: "| overhead beyond the rollout (webhook → Ready on GitHub − %.0f ms) | %.0f ms | %.0f ms | %.0f ms |", delay * 1000,
            percentile(overhead, 0.5) * 1000, percentile(overhead, 0.99) * 1000, (overhead.max() ?? 0) * 1000))
    print(
        String(
            format: "| detection (Deployment available in the API → Ready on GitHub) | %.0f ms | %.0f ms | %.0f ms |",
            percentile(detection, 0.5) * 1000,
            percentile(detection, 0.99) * 1000, (detection.max() ?? 0) * 1000))
    if ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil {
        for request in await fakes.kube.kubernetes.requests where !request.query.contains("watch") {
            print("kube \(request.method) \(request.path)\(request.query.isEmpty ? "" : "?" + request.query)")
        }
        for request in await fakes.github.github.requests(matching: "/") { print("github \(request.method) \(request.path)") }
    }
    if ProcessInfo.processInfo.environment["BENCH_REQUESTS"] != nil {
        var counts: [String: Int] = [:]
        for request in await fakes.kube.kubernetes.requests {
            let parts = request.path.split(separator: "/")
            let plural = parts.last { !$0.hasPrefix("pr-") && !["api", "apis", "v1", "namespaces"].contains($0) } ?? ""
            let collection = parts.count % 2 == 1 ? "list" : "one"
            counts["\(request.method) \(request.query.contains("watch") ? "watch " : "")\(collection) \(plural)", default: 0] += 1
        }
        for (key, count) in counts.sorted(by: { $0.value > $1.value }) { print("kube \(count) \(key)") }
        var github: [String: Int] = [:]
        for request in await fakes.github.github.requests(matching: "/") {
            let shape = request.path.split(separator: "/").map { $0.allSatisfy(\.isNumber) || $0.count == 40 ? "N" : String($0) }.joined(
                separator: "/")
            github["\(request.method) \(shape)", default: 0] += 1
        }
        for (key, count) in github.sorted(by: { $0.value > $1.value }) { print("github \(count) \(key)") }
    }
    try await running.stop()
}

/// Stops with a message when `value` is missing.
private func require<T>(_ value: T?, _ what: @autoclosure () -> String = "a value") throws -> T {
    guard let value else { throw InvalidBenchmark("missing \(what())") }
    return value
}

struct InvalidBenchmark: Error { var message: String; init(_ message: String) { self.message = message } }
