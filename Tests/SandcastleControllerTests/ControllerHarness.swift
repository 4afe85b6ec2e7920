import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import SandcastleController
import SandcastleCore
import SandcastleGitHub
import SandcastleKubernetes
import SandcastleRegistry
import SandcastleServer
import SandcastleTestSupport
import Testing

/// A git repository on disk standing in for the PR's repository (fetched over `file://`).
struct GitOrigin: Sendable {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try git("init", "--quiet", "--initial-branch=main", ".")
    }

    var url: String { "file://" + directory.path }

    /// Writes `files` and commits them; returns the commit SHA.
    @discardableResult
    func commit(_ files: [String: String], message: String = "change") throws -> String {
        try directory.write(files)
        try git("add", "--all", ".")
        try git("commit", "--quiet", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    @discardableResult
    private func git(_ arguments: String...) throws -> String {
        let environment = [
            "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.invalid", "GIT_COMMITTER_NAME": "dev",
            "GIT_COMMITTER_EMAIL": "dev@example.invalid", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        ]
        let result = try Subprocess.run(Subprocess.locate("git")!, arguments, in: directory.path, environment: environment)
        guard result.status == 0 else { throw HarnessError("git \(arguments): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The whole controller over real HTTP: the fake GitHub and fake API server on loopback, the real
/// GitHub and Kubernetes clients, the cluster sink, real git checkouts and the real webhook endpoint.
final class ControllerHarness: Sendable {
    static let repo = RepositoryName(owner: "acme", name: "shop")
    static let token = "ghp_e2e_token"
    static let secret = "e2e-webhook-secret"
    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    /// Where registry credentials come from in these tests (`{env: E2E_REGISTRY_*}`).
    static let registryEnvironment = ["E2E_REGISTRY_USER": "ci", "E2E_REGISTRY_PASSWORD": "registry-pw"]

    let github: FakeGitHubServer
    let kube: FakeKubernetesServer
    let origin: GitOrigin
    let work: TemporaryDirectory
    let config: SandcastleConfig
    let sender = WebhookSender(secret: ControllerHarness.secret)
    private let instances = LockedValue([Instance]())

    /// One running controller process: its clients, controller, HTTP endpoint and registry.
    final class Instance: Sendable {
        let controller: Controller
        let book: PreviewBook
        let registry: PrometheusCollectorRegistry
        let gitHubClient: GitHubClient
        let kubeClient: KubernetesClient
        let probe: HTTPReadinessProbe
        let webhookURL: String
        let baseURL: String
        fileprivate let tasks: [Task<Void, any Error>]

        fileprivate init(
            controller: Controller, book: PreviewBook, registry: PrometheusCollectorRegistry, gitHubClient: GitHubClient,
            kubeClient: KubernetesClient, probe: HTTPReadinessProbe,
            baseURL: String, tasks: [Task<Void, any Error>]
        ) {
            self.probe = probe
            self.controller = controller
            self.book = book
            self.registry = registry
            self.gitHubClient = gitHubClient
            self.kubeClient = kubeClient
            self.baseURL = baseURL
            self.webhookURL = baseURL + "/webhooks/github"
            self.tasks = tasks
        }

        /// Stops at once: cancels the controller (in-flight reconciles included) and the server.
        func kill() async {
            for task in tasks { task.cancel() }
            for task in tasks { _ = try? await task.value }
            try? await gitHubClient.shutdown()
            try? await kubeClient.shutdown()
            try? await probe.shutdown()
        }

        var metricsText: String {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    private init(github: FakeGitHubServer, kube: FakeKubernetesServer, origin: GitOrigin, work: TemporaryDirectory, config: SandcastleConfig) {
        self.github = github
        self.kube = kube
        self.origin = origin
        self.work = work
        self.config = config
    }

    static let bundle = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: shop-config
        data:
          VERSION: "%VERSION%"
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: shop
        spec:
          selector: {matchLabels: {app: shop}}
          template:
            metadata: {labels: {app: shop}}
            spec:
              containers:
                - name: shop
                  image: ghcr.io/acme/shop:latest
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: shop
        spec:
          selector: {app: shop}
          ports: [{port: 80}]
        """

    /// Commits the bundle with `version` in its ConfigMap; returns the SHA.
    func commitBundle(version: String) throws -> String {
        try origin.commit(["deploy/preview/app.yaml": Self.bundle.replacingOccurrences(of: "%VERSION%", with: version)], message: version)
    }

    /// Starts the fakes. `simulation` stands in for the workload controllers (workloads become
    /// available after 200 ms unless told otherwise); `readinessTimeout` is `readiness.timeout`.
    /// The user the fake authorizes the controller's requests as.
    static let controllerUser = "system:serviceaccount:sandcastle-system:sandcastle"

    static func start(
        maxConcurrent: Int = 5, simulation: WorkloadSimulation = WorkloadSimulation(readyAfter: 0.2), readinessTimeout: String = "10m",
        httpCheck: String? = nil, hooks: String? = nil, allowForks: Bool = false, repositoryExtra: String = "", images: String? = nil,
        topLevelExtra: String = "", sink: String = "{kind: cluster}", bundle: String = "{path: deploy/preview, kind: manifests}",
        rbac: [FakeRBACRule]? = nil
    ) async throws -> ControllerHarness {
        let github = try await FakeGitHubServer.start()
        await github.github.addRepository(
            repo, collaborators: ["maintainer": .write, "drive-by": .read, "sandcastle-bot": .write], installationID: 9)
        await github.github.addPersonalToken(token, login: "sandcastle-bot")
        let kube = try await FakeKubernetesServer.start()
        await kube.kubernetes.requireBearerToken(["kube-token"])
        // The controller runs as its ServiceAccount with what the shipped RBAC grants, not as an administrator.
        await kube.kubernetes.restrictAccess(user: controllerUser, rules: try rbac ?? FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml"]))
        await kube.kubernetes.simulateWorkloads(simulation)
        let text = """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            forge:
              github:
                apiURL: \(github.apiURL)
                token: {env: E2E_TOKEN}
            sink: \(sink)
            \(topLevelExtra)
            controller: {workers: 2, resyncInterval: 1h, janitorInterval: 1h}
            defaults:
              trigger: {labels: [preview], labelPermission: write, allowForks: \(allowForks)}
              domain: preview.test
              maxConcurrent: \(maxConcurrent)
              readiness: {timeout: \(readinessTimeout)\(httpCheck.map { ", http: {url: '\($0)', interval: 1s}" } ?? "")}
            repositories:
              - name: acme/shop
                bundle: \(bundle)
                images: \(images ?? "[{name: ghcr.io/acme/shop, digest: \"\(digest)\"}]")
            \(hooks.map { "    hooks: \($0)" } ?? "")
            \(repositoryExtra)
            """
        for (name, value) in registryEnvironment { setenv(name, value, 1) }  // the pull Secret reads them as the controller would
        let config = try ConfigLoader.parse(text, file: "e2e.yaml")
        return ControllerHarness(github: github, kube: kube, origin: try GitOrigin(), work: try TemporaryDirectory(), config: config)
    }

    /// Starts a controller process; `leadership` defaults to a Lease on the fake cluster.
    @discardableResult
    func launch(
        identity: String = "replica-1", useLease: Bool = false, watching: Bool = true, onStep: (@Sendable (PreviewKey, PreviewStep) -> Void)? = nil
    ) async throws -> Instance {
        var options = KubernetesClientOptions()
        options.requestTimeout = 5
        options.baseBackoff = 0.01
        options.maxBackoff = 0.05
        let kubeClient = try KubernetesClient(config: KubeConfig(server: kube.url, credentials: .token("kube-token")), options: options)
        var configuration = GitHubClientConfiguration(
            apiURL: github.apiURL, credential: .token(Self.token), requestTimeout: 5, repositories: RepositoryList(config))
        configuration.listingsResolveLabelGrants = false
        let gitHubClient = try GitHubClient(configuration: configuration)
        var sinkOptions = ClusterSink.Options()
        sinkOptions.engine = GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL)
        let registry = PrometheusCollectorRegistry()
        let probe = HTTPReadinessProbe(timeout: .seconds(2))
        let origin = self.origin
        let book = PreviewBook()
        let clusterSink = ClusterSink(client: kubeClient, options: sinkOptions)
        var dependencies = ControllerDependencies(
            config: config, source: gitHubClient, reporter: gitHubClient, sink: PreviewSink(clusterSink),
            bundles: try GitCheckouts(root: work.path + "/" + identity, remote: .init(url: { _ in origin.url }, token: { _ in nil })),
            logger: Self.quietLogger("e2e.\(identity)"), metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry)),
            book: book,
            // `watching: false`: no watch at all, as on a cluster whose watches all fail.
            changes: watching
                ? ClusterWatcher(client: kubeClient, config: config, store: clusterSink, logger: Self.quietLogger("e2e.watch.\(identity)")) : nil,
            probe: probe, images: RegistryClient(registries: config.registries, environment: Self.registryEnvironment)
        )
        dependencies.onStep = onStep
        var leadership: Controller.Leadership = { body in await body() }
        if useLease {
            if await fakeKube.object(ResourceRef(apiVersion: "v1", kind: "Namespace", name: "sandcastle-system")) == nil {
                _ = try await fakeKube.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]])
            }
            let elector = LeaderElector(
                client: kubeClient, namespace: "sandcastle-system", identity: identity,
                timing: .init(leaseDuration: 4, renewDeadline: 3, retryPeriod: 0.3))
            leadership = { body in await elector.run(lead: body) }
        }
        let controller = Controller(
            dependencies: dependencies, backoff: WorkQueue.Backoff(base: .milliseconds(20), cap: .milliseconds(400)), leadership: leadership)
        let receiver = WebhookReceiver(secret: Self.secret, enqueue: { controller.enqueue($0) })
        let router = SandcastleRoutes.router(
            receiver: receiver, views: .init(book: book, metrics: { "" }))
        let port = LockedValue(0)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: Self.quietLogger("e2e.http"))
        let server = Task { try await app.runService() }
        let loop = Task { try await controller.run() }
        while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let instance = Instance(
            controller: controller, book: book, registry: registry, gitHubClient: gitHubClient, kubeClient: kubeClient, probe: probe,
            baseURL: "http://127.0.0.1:\(port.withLock { $0 })", tasks: [loop, server])
        instances.withLock { $0.append(instance) }
        return instance
    }

    /// Warnings and errors only, so a passing run stays readable.
    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    func stop() async {
        for instance in instances.withLock({ $0 }) { await instance.kill() }
        try? await sender.shutdown()
        await github.stop()
        await kube.stop()
        origin.directory.remove()
        work.remove()
    }

    // MARK: GitHub side

    var fakeGitHub: FakeGitHub { github.github }
    var fakeKube: FakeKubernetes { kube.kubernetes }

    /// Sets PR `number` on the fake GitHub (the trigger label added by `maintainer`).
    func putPR(_ number: Int, sha: String, labels: [String] = ["preview"], state: String = "open", fork: Bool = false) async {
        await fakeGitHub.putPullRequest(Self.repo, number: number, sha: sha, labels: labels, labeledBy: "maintainer", state: state, fork: fork)
    }

    /// Delivers a signed `pull_request` webhook carrying the fake's current PR to `instance`.
    @discardableResult
    func deliver(_ action: String, pr number: Int, label: String? = nil, to instance: Instance) async throws -> WebhookSender.Delivery {
        var request = HTTPClientRequest(url: github.apiURL + "/repos/acme/shop/pulls/\(number)")
        request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
        request.headers.add(name: "User-Agent", value: "e2e")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let pull = try await response.body.collect(upTo: 1 << 20)
        var payload = #"{"action":"\#(action)","number":\#(number),"pull_request":"# + String(buffer: pull)
        payload += #","repository":{"id":1,"full_name":"acme/shop"},"sender":{"login":"maintainer"}"#
        if let label { payload += #","label":{"name":"\#(label)"}"# }
        payload += "}"
        return try await sender.deliver(event: "pull_request", payload: Data(payload.utf8), to: instance.webhookURL)
    }

    /// Delivers a signed `check_run` webhook (CI finished or started a check of `sha` for PR `number`).
    @discardableResult
    func deliverCheckRun(_ name: String, sha: String, pr number: Int, to instance: Instance) async throws -> WebhookSender.Delivery {
        let payload = """
            {"action":"completed","check_run":{"name":"\(name)","head_sha":"\(sha)","status":"completed","pull_requests":[{"number":\(number)}]},            "repository":{"id":1,"full_name":"acme/shop"},"sender":{"login":"github-actions[bot]"}}
            """
        return try await sender.deliver(event: "check_run", payload: Data(payload.utf8), to: instance.webhookURL)
    }

    /// Commits the bundle, opens PR `number` with the label, delivers `opened` to `instance` and
    /// waits until the preview is Ready; returns the head SHA.
    func openUntilReady(_ number: Int, on instance: Instance, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let sha = try commitBundle(version: "1")
        await putPR(number, sha: sha)
        try await deliver("opened", pr: number, to: instance)
        try await eventually("PR \(number) is Ready", sourceLocation: sourceLocation) { await isReady(number, at: sha) }
        return sha
    }

    func comments(_ number: Int) async -> [FakeGitHub.CommentRecord] { await fakeGitHub.comments(Self.repo, issue: number) }

    // MARK: cluster side

    func environment(_ number: Int) async -> ManifestObject? { await fakeKube.object(PreviewEnvironment.ref("pr-\(number)-shop")) }

    func namespace(_ number: Int) async -> ManifestObject? {
        await fakeKube.object(ResourceRef(apiVersion: "v1", kind: "Namespace", name: "pr-\(number)-shop"))
    }

    /// Whether PR `number`'s environment is Ready at `sha`.
    func isReady(_ number: Int, at sha: String) async -> Bool {
        guard let environment = await environment(number) else { return false }
        return environment.value(at: "status.phase")?.string == "Ready" && environment.value(at: "spec.headSHA")?.string == sha
            && environment.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] != nil
    }

    func isGone(_ number: Int) async -> Bool {
        let environment = await environment(number)
        let namespace = await namespace(number)
        return environment == nil && namespace == nil
    }
}

/// Polls `condition` until it holds, failing with `what` after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw HarnessError("timed out waiting until \(what)")
}

/// Waits until `instance`'s queue is empty with nothing in flight for a moment.
func settle(_ instance: ControllerHarness.Instance) async throws {
    var quiet = 0
    let deadline = ContinuousClock.now + .seconds(30)
    while quiet < 8, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(25))
        quiet = instance.controller.queue.depth == 0 && instance.controller.queue.inFlight == 0 ? quiet + 1 : 0
    }
}

/// A latency bound for a test: `alone` when the timing-sensitive tests run by themselves
/// (`SANDCASTLE_TIMING_TESTS=1`, as `scripts/test.sh` runs them after the suite), five times it
/// while every suite runs in parallel on two cores. Either way far below the 30 s recheck a
/// missed watch event would wait for.
func latencyBound(_ alone: Duration) -> Duration {
    ProcessInfo.processInfo.environment["SANDCASTLE_TIMING_TESTS"] == "1" ? alone : alone * 5
}
