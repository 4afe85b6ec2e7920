import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Metrics
import SandcastleController
import SandcastleCore
import SandcastleGitHub
import SandcastleKubernetes
import SandcastleServer
import SandcastleTestSupport

/// The fake GitHub and fake API server on loopback, with the real clients pointed at them.
struct Fakes {
    let github: FakeGitHubServer
    let kube: FakeKubernetesServer
    let gitHubClient: GitHubClient
    let kubeClient: KubernetesClient

    static let token = "ghp_bench"

    static func start(repositories: [RepositoryName]) async throws -> Fakes {
        let github = try await FakeGitHubServer.start()
        for repository in repositories {
            _ = await github.github.addRepository(repository, collaborators: ["bot": .write, "maintainer": .write])
        }
        await github.github.addPersonalToken(token, login: "bot")
        let kube = try await FakeKubernetesServer.start()
        var configuration = GitHubClientConfiguration(
            apiURL: github.apiURL, credential: .token(token), repositories: Make.catalog(repositories))
        configuration.listingsResolveLabelGrants = false
        let gitHubClient = try GitHubClient(configuration: configuration)
        let kubeClient = try KubernetesClient(config: KubeConfig(server: kube.url, credentials: .token("bench")))
        return Fakes(github: github, kube: kube, gitHubClient: gitHubClient, kubeClient: kubeClient)
    }

    /// Runs `body` with fakes that are stopped afterwards, also when `body` throws.
    static func with(repositories: [RepositoryName], _ body: (Fakes) async throws -> Void) async throws {
        let fakes = try await start(repositories: repositories)
        do {
            try await body(fakes)
        } catch {
            await fakes.stop()
            throw error
        }
        await fakes.stop()
    }

    func stop() async {
        try? await gitHubClient.shutdown()
        try? await kubeClient.shutdown()
        await github.stop()
        await kube.stop()
    }
}

/// The benchmarks' configuration: `repositories` on the fake GitHub at `apiURL`, `workers`
/// workers, and `sink` (a YAML flow mapping) when not the default cluster sink.
func config(
    repositories: [RepositoryName], apiURL: String, bundleKind: String = "manifests", workers: Int = 4, sink: String? = nil
) throws -> SandcastleConfig {
    var text = """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        forge:
          github:
            apiURL: "\(apiURL)"
            token: {env: BENCH_TOKEN}
        \(sink.map { "sink: \($0)" } ?? "")
        controller: {workers: \(workers), resyncInterval: 1h, janitorInterval: 1h}
        defaults:
          trigger: {labels: [preview]}
          maxConcurrent: 10000
        repositories:

        """
    for repository in repositories { text += "  - {name: \(repository), bundle: {path: deploy/preview, kind: \(bundleKind)}}\n" }
    return try ConfigLoader.parse(text, file: "bench.yaml")
}

func quiet(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Peak resident set size of this process (VmHWM), in MB.
private func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return .nan }
    let kilobytes = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
    return kilobytes / 1024
}

/// (a) Webhook → environment applied: a signed `pull_request.opened` for a PR whose 30-object
/// preview does not exist yet, until the controller reports it Ready (the PR's commit fetched with
/// git, rendered, applied to the fake API server, statuses/deployment/comment sent to the fake GitHub).
func runWebhookToReadyBenchmark(runs: Int, kustomize: Bool) async throws {
    let repository = RepositoryName(owner: "acme", name: "shop")
    try await Fakes.with(repositories: [repository]) { fakes in
        try await webhookToReady(fakes, repository: repository, runs: runs, kustomize: kustomize)
    }
}

private func webhookToReady(_ fakes: Fakes, repository: RepositoryName, runs: Int, kustomize: Bool) async throws {
    let work = try TemporaryDirectory()
    defer { work.remove() }
    let origin = try BenchmarkOrigin(path: work.path + "/origin")
    // 22 bundle objects (20 ConfigMaps, a Deployment, a Service) + 8 baselines = 30 objects.
    var shas: [String] = []
    for index in 0...runs {
        shas.append(try origin.commit(bundle: thirtyObjectBundle(version: "\(index)"), kustomize: kustomize, message: "\(index)"))
    }

    let settings = try config(repositories: [repository], apiURL: fakes.github.apiURL, bundleKind: kustomize ? "kustomize" : "manifests")
    // The deployment controller's stand-in makes each Deployment available as soon as it runs;
    // the watch brings that to the controller.
    await fakes.kube.kubernetes.simulateWorkloads(WorkloadSimulation(readyAfter: 0))
    let dependencies = ControllerDependencies(
        config: settings, source: fakes.gitHubClient, reporter: fakes.gitHubClient, sink: PreviewSink(ClusterSink(client: fakes.kubeClient)),
        bundles: try GitCheckouts(root: work.path + "/checkouts", remote: .init(url: { _ in origin.url }, token: { _ in nil })),
        logger: quiet("bench"), metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance),
        changes: ClusterWatcher(client: fakes.kubeClient, repositories: [repository], logger: quiet("watch")))
    let running = try await ControllerOnLoopback.start(dependencies)
    let (sender, url) = (running.sender, running.url)

    var latencies: [Double] = []
    var objects = 0
    for index in 0...runs {
        let number = index + 1
        await fakes.github.github.putPullRequest(repository, number: number, sha: shas[index], labels: ["preview"], labeledBy: "maintainer")
        let payload = try await pullRequestPayload(fakes, repository: repository, number: number)
        let key = PreviewKey(repository: repository, number: number)
        let start = ContinuousClock.now
        let delivery = try await sender.deliver(event: "pull_request", payload: payload, to: url)
        precondition(delivery.status == 202, delivery.body)
        while dependencies.book.record(key)?.phase != .ready {
            try await Task.sleep(for: .microseconds(200))
            if ContinuousClock.now - start > .seconds(30) {
                fatalError("PR \(number) never became ready: \(String(describing: dependencies.book.record(key)))")
            }
        }
        if index > 0 { latencies.append(seconds(ContinuousClock.now - start)) }  // the first run warms up connections
        if index == 1 { objects = await fakes.kube.kubernetes.allObjects(namespace: "pr-\(number)-shop").count + 1 }
    }
    print(
        "webhook -> environment applied and reported Ready, \(objects)-object previews (\(kustomize ? "Kustomize" : "plain manifests") bundle), \(runs) PRs one after another"
    )
    print(
        "(git fetch of the PR's commit, render, server-side apply to the fake API server, the Deployment observed available through the watch, statuses, deployment and comment on the fake GitHub)"
    )
    print("| p50 | p90 | p99 | max |")
    print("|---|---|---|---|")
    print(
        String(
            format: "| %.1f ms | %.1f ms | %.1f ms | %.1f ms |", percentile(latencies, 0.5) * 1000, percentile(latencies, 0.9) * 1000,
            percentile(latencies, 0.99) * 1000, (latencies.max() ?? 0) * 1000))
    try await running.stop()
}

/// The controller and its webhook endpoint on 127.0.0.1, and a signed-webhook sender for it.
struct ControllerOnLoopback {
    let controller: Controller
    let sender: WebhookSender
    /// The webhook endpoint.
    let url: String
    private let tasks: [Task<Void, any Error>]

    static func start(_ dependencies: ControllerDependencies) async throws -> ControllerOnLoopback {
        let controller = Controller(dependencies: dependencies)
        let secret = "bench-secret"
        let receiver = WebhookReceiver(secret: secret, enqueue: { controller.enqueue($0) })
        let port = LockedValue(0)
        let app = Application(
            router: SandcastleRoutes.router(receiver: receiver, views: .init(book: dependencies.book, metrics: { "" })),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: quiet("http"))
        let server = Task { try await app.runService() }
        let loop = Task { try await controller.run() }
        while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        return ControllerOnLoopback(
            controller: controller, sender: WebhookSender(secret: secret), url: "http://127.0.0.1:\(port.withLock { $0 })/webhooks/github",
            tasks: [loop, server])
    }

    func stop() async throws {
        controller.stop()
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        try await sender.shutdown()
    }
}

/// The 30-object preview of the benchmarks: 20 ConfigMaps carrying `version`, a Deployment and a
/// Service (plus Sandcastle's 8 baseline objects).
func thirtyObjectBundle(version: String) -> String {
    var bundle = ""
    for map in 0..<20 { bundle += "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-\(map)}\ndata: {version: \"\(version)\"}\n---\n" }
    return bundle + """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: "nginx@sha256:\(String(repeating: "a", count: 64))"}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selector: {app: web}, ports: [{port: 80}]}

        """
}

func pullRequestPayload(_ fakes: Fakes, repository: RepositoryName, number: Int) async throws -> Data {
    var request = HTTPClientRequest(url: fakes.github.apiURL + "/repos/\(repository)/pulls/\(number)")
    request.headers.add(name: "Authorization", value: "Bearer \(Fakes.token)")
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
    let pull = String(buffer: try await response.body.collect(upTo: 1 << 20))
    return Data(
        (#"{"action":"opened","number":\#(number),"pull_request":"# + pull
            + #","repository":{"id":1,"full_name":"\#(repository)"},"sender":{"login":"maintainer"}}"#).utf8)
}

/// (b) Resync with `repositories` × `perRepository` open PRs and nothing changed since the last pass.
func runResyncBenchmark(repositories count: Int, perRepository: Int, passes: Int) async throws {
    let repositories = (1...count).map { RepositoryName(owner: "acme", name: String(format: "repo-%02d", $0)) }
    try await Fakes.with(repositories: repositories) { fakes in
        try await resync(fakes, repositories: repositories, perRepository: perRepository, passes: passes)
    }
}

private func resync(_ fakes: Fakes, repositories: [RepositoryName], perRepository: Int, passes: Int) async throws {
    let count = repositories.count
    for (index, repository) in repositories.enumerated() {
        for number in 1...perRepository {
            let sha = String(format: "%040x", (index + 1) * 100_000 + number)
            await fakes.github.github.putPullRequest(repository, number: number, sha: sha, labels: ["preview"], labeledBy: "maintainer")
            let preview = try Make.preview(number, repository: repository, configMaps: 0, sha: sha)
            var environment = PreviewEnvironment.object(for: preview, contentHash: preview.contentHash)
            // Ready and reported so: a converged preview the resync has nothing to do for.
            environment["status"] = ["phase": "Ready", "reported": ["sha": .string(sha), "summary": .string("ready: https://\(preview.names.host)")]]
            _ = try await fakes.kube.kubernetes.seed(environment)
        }
    }
    let settings = try config(repositories: repositories, apiURL: fakes.github.apiURL)
    let enqueued = LockedValue(0)
    let dependencies = ControllerDependencies(
        config: settings, source: fakes.gitHubClient, reporter: fakes.gitHubClient, sink: PreviewSink(ClusterSink(client: fakes.kubeClient)),
        bundles: try GitCheckouts(
            root: FileManager.default.temporaryDirectory.path + "/sandcastle-bench-unused", remote: .init(url: { _ in "" }, token: { _ in nil })),
        logger: quiet("bench"), metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance))
    let resync = Resync(dependencies: dependencies) { _ in enqueued.withLock { $0 += 1 } }

    let first = await resync.pass()
    precondition(first.failedRepositories.isEmpty && first.listed == count * perRepository, "warm-up pass: \(first)")
    print("resync: \(count) repositories x \(perRepository) open PRs = \(first.listed) PRs and as many live PreviewEnvironments, nothing changed")
    print("(first pass, which fills the ETag cache: \(first.enqueued.count) enqueued)")
    print("| pass | wall time | GitHub requests | of which 304 | Kubernetes requests | Kubernetes writes | enqueued |")
    print("|---|---|---|---|---|---|---|")
    var times: [Double] = []
    for pass in 1...passes {
        let githubBefore = await fakes.github.github.requests(matching: "/").count
        await fakes.kube.kubernetes.resetRequests()
        let start = ContinuousClock.now
        let report = await resync.pass()
        let elapsed = seconds(ContinuousClock.now - start)
        times.append(elapsed)
        let requests = await fakes.github.github.requests(matching: "/")
        let sent = requests.dropFirst(githubBefore)
        let kubeRequests = await fakes.kube.kubernetes.requests.count
        let kubeWrites = await fakes.kube.kubernetes.writeRequests.count
        precondition(report.failedRepositories.isEmpty)
        print(
            String(
                format: "| %d | %.1f ms | %d | %d | %d | %d | %d |", pass, elapsed * 1000, sent.count, sent.filter { $0.status == 304 }.count,
                kubeRequests, kubeWrites, report.enqueued.count))
    }
    print(
        String(
            format: "median wall time %.1f ms; peak RSS of the process (fakes included) %.1f MB", percentile(times, 0.5) * 1000, peakRSSMegabytes()))
}
