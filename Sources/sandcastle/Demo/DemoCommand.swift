import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SandcastleController
import SandcastleCore
import SandcastleDirectorySink
import SandcastleGitHub
import SandcastleKubernetes

/// `sandcastle demo`: the whole pipeline on loopback, with no cluster, network or GitHub account,
/// or (`--cluster`) against a real cluster, waiting for real readiness and cleaning up after itself.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play an example PR's life through the real server and controller.",
        discussion: """
            Starts the webhook server and controller on 127.0.0.1 with a local forge whose PR state comes from the scenario; \
            each step delivers a signed webhook to the real endpoint and prints what happened. The scenario, configuration \
            and bundle are built in (--export writes them out to edit and replay with --config and --scenario). Previews \
            are written as files, or with --cluster (or --kubeconfig) applied to the cluster, in the namespace \
            pr-42-blog, waiting until its workloads are available; the last step tears it down.
            """
    )

    @Option(help: "The demo configuration (default: the built-in one).")
    var config: String?

    @Option(help: "The scenario to play (default: the built-in one).")
    var scenario: String?

    @Option(help: "Write the built-in configuration, scenario and bundle under this directory and exit.")
    var export: String?

    @Flag(help: "Play against the cluster of --kubeconfig, $KUBECONFIG or ~/.kube/config instead of writing files.")
    var cluster = false

    @OptionGroup var clusterOptions: ClusterOptions

    @Option(help: "With a cluster: seconds to wait for the preview's workloads to become available.")
    var readyTimeout: Double = 300

    @Option(help: "Where previews are written (default: a new temporary directory).")
    var output: String?

    @Flag(help: "Keep serving the dashboard after the last step, until Ctrl-C.")
    var hold = false

    @Flag(help: "Print the controller's own log lines too.")
    var verbose = false

    func run() async throws {
        // Line by line, also when redirected to a file (`demo --hold > demo.log`).
        LineBufferedOutput.enable()
        if let export {
            try DemoFiles.write(to: export, forCluster: cluster || clusterOptions.kubeconfig != nil)
            print("Wrote the demo's configuration, scenario and bundle under \(export):")
            for path in DemoFiles.files.keys.sorted() { print("  \(export)/\(path)") }
            print("Replay them with: sandcastle demo --config \(export)/demo/sandcastle.yaml --scenario \(export)/demo/scenario.yaml")
            return
        }
        let onCluster = cluster || clusterOptions.kubeconfig != nil
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sandcastle-demo-\(UUID().uuidString.prefix(8))").path
        defer { if output == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let builtIn = self.config == nil || self.scenario == nil ? try DemoFiles.write(to: scratch + "/example", forCluster: onCluster) : ""
        let configPath = self.config ?? builtIn + "/demo/sandcastle.yaml"
        let scenario = self.scenario ?? builtIn + "/demo/scenario.yaml"
        var config: SandcastleConfig
        do {
            config = try ConfigLoader.load(path: configPath)
        } catch {
            throw InvalidInput(error.description)
        }
        let play = try DemoScenario.load(scenario)
        let outputDirectory = output ?? scratch + "/previews"
        let kubernetes = onCluster ? try clusterOptions.client() : nil
        config.sink = SinkConfig(kind: onCluster ? .cluster : .directory, path: onCluster ? nil : outputDirectory)
        config.controller.listen = "127.0.0.1:0"
        config.controller.adminListen = "127.0.0.1:0"
        config.controller.workDirectory = scratch + "/work"
        let repositoryName = RepositoryName(parsing: play.repository)!
        guard let repository = config.repository(repositoryName) else {
            throw InvalidInput("\(scenario): repository \(play.repository) is not configured in \(configPath)")
        }
        let key = PreviewKey(repository: repositoryName, number: play.number)
        let scenarioDirectory = (scenario as NSString).deletingLastPathComponent
        let origin = scratch + "/origin"
        let shas = try play.buildRepository(in: origin, scenarioDirectory: scenarioDirectory.isEmpty ? "." : scenarioDirectory)

        let verbose = self.verbose
        let logFormat = config.controller.logFormat
        LoggingSystem.bootstrap { label in
            var handler = StructuredLogHandler(label: label, format: logFormat)
            handler.logLevel = verbose ? .info : .critical
            return handler
        }
        let forge = LocalForge()
        let secret = UUID().uuidString + UUID().uuidString
        let port = LockedValue(0)
        let adminPort = LockedValue(0)
        let sink = kubernetes.map { PreviewSink(ClusterSink(client: $0)) } ?? PreviewSink(DirectorySink(root: outputDirectory))
        let host = ControllerHost(
            .init(
                config: config, source: forge, reporter: forge, sink: sink,
                bundles: try GitCheckouts(root: scratch + "/work/checkouts", remote: .init(url: { _ in "file://" + origin }, token: { _ in nil })),
                webhookSecret: secret, logger: Logger(label: "sandcastle"),
                onListening: { bound in port.withLock { $0 = bound } }, onAdminListening: { bound in adminPort.withLock { $0 = bound } },
                changes: kubernetes.map {
                    ClusterWatcher(client: $0, config: config, store: sink.store, logger: Logger(label: "sandcastle"))
                }))
        let group = host.serviceGroup()
        let running = Task { try await group.run() }
        while port.withLock({ $0 }) == 0 || adminPort.withLock({ $0 }) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let base = "http://127.0.0.1:\(port.withLock { $0 })"
        let adminBase = "http://127.0.0.1:\(adminPort.withLock { $0 })"
        print("Sandcastle demo: \(play.repository)#\(play.number), \(shas.count) commits in a local git repository")
        print("  webhooks on \(base)/webhooks/github; dashboard \(adminBase)/, API \(adminBase)/api/previews, metrics \(adminBase)/metrics")
        if let kubernetes {
            print("  previews are applied to the cluster at \(kubernetes.config.server) (\(kubernetes.config.source))")
        } else {
            print("  previews are written to \(outputDirectory)")
        }

        let names = PreviewNames(key: key, settings: repository.settings)
        var pr = PullRequestSnapshot(
            key: key, state: .open, labels: [], headSHA: shas[0], headRef: "feature/checkout", headRepositoryID: 1, baseRepositoryID: 1,
            author: play.author, createdAt: Date(), lastActivityAt: Date())
        var failures: [String] = []
        for (index, step) in play.steps.enumerated() {
            if let labels = step.labels { pr.labels = labels }
            if let commit = step.commit { pr.headSHA = shas[commit - 1] }
            if let state = step.state { pr.state = state == "closed" ? .closed : .open }
            pr.lastActivityAt = Date()
            if let label = step.label, step.action == "labeled" {
                pr.labelGrant = LabelGrant(label: label, addedBy: play.author, permission: Permission(rawValue: play.permission))
            }
            await forge.set(pr)
            print("\n[\(index + 1)/\(play.steps.count)] \(step.title)")
            if index == 0, let label = pr.labels.first {
                pr.labelGrant = LabelGrant(label: label, addedBy: play.author, permission: Permission(rawValue: play.permission))
                await forge.set(pr)
            }
            let reply = try await deliver(step, pr: pr, secret: secret, to: base + "/webhooks/github", delivery: "demo-\(index + 1)")
            print("  webhook pull_request.\(step.action) -> HTTP \(reply)")
            await waitUntilIdle(host.controller)
            for line in await forge.drainLog() { print("  github: \(line)") }
            if let record = host.book.record(key) {
                print("  preview: \(record.phase.rawValue)\(record.url.map { " at \($0)" } ?? "") - \(record.message)")
            } else {
                print("  preview: none")
            }
            let present: Bool
            if let kubernetes {
                let observed = try await DemoCluster(client: kubernetes, namespace: names.namespace).report(
                    waitForReadiness: step.expect == "present", timeout: readyTimeout)
                present = observed.present
                if let problem = observed.problem { failures.append("step \(index + 1) (\(step.title)): \(problem)") }
            } else {
                let folder = outputDirectory + "/" + names.namespace
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
                present = !files.isEmpty
                if files.isEmpty {
                    print("  files: \(folder) does not exist")
                } else {
                    print("  files: \(folder)/ (\(files.count) manifests: \(files.prefix(4).joined(separator: ", "))\(files.count > 4 ? ", …" : ""))")
                }
            }
            if let expect = step.expect, (expect == "present") != present {
                failures.append("step \(index + 1) (\(step.title)): expected the preview to be \(expect)")
            }
        }
        if let comment = await forge.comment {
            print("\nThe sticky comment, edited in place \(await forge.commentWrites) time(s), now reads:\n")
            print(comment.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        }
        print("\nDashboard: \(adminBase)/ (served while the demo runs\(hold ? "; Ctrl-C to stop" : "; pass --hold to keep it up"))")
        if hold { try await running.value }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        if let kubernetes {
            // Whatever the scenario left behind (a failed step, an early stop) is removed.
            if try await kubernetes.get(PreviewEnvironment.ref(names.namespace)) != nil {
                print("Cleaning up: tearing down \(names.namespace)")
                let sink = ClusterSink(client: kubernetes)
                _ = try? await OperatorTeardown(store: sink, applier: sink, database: nil, settings: repository.settings).run(key, timeout: 120)
            }
            try? await kubernetes.shutdown()
        }
        guard failures.isEmpty else { throw InvalidInput("the demo did not go as expected:\n" + failures.joined(separator: "\n")) }
        print("Demo complete: every step converged.")
    }

    /// Delivers a signed `pull_request` webhook built from `pr`; returns the HTTP status.
    private func deliver(_ step: DemoScenario.Step, pr: PullRequestSnapshot, secret: String, to url: String, delivery: String) async throws -> String
    {
        let repository: [String: Any] = ["id": 1, "full_name": pr.key.repository.description]
        let branch: (String, String) -> [String: Any] = { sha, ref in ["sha": sha, "ref": ref, "repo": repository] }
        var payload: [String: Any] = [
            "action": step.action, "number": pr.key.number, "repository": repository, "sender": ["login": pr.author],
            "pull_request": [
                "number": pr.key.number, "state": pr.state.rawValue, "draft": false, "merged": false,
                "labels": pr.labels.map { ["name": $0] }, "head": branch(pr.headSHA, pr.headRef),
                "base": branch(String(repeating: "0", count: 40), "main"), "user": ["login": pr.author],
                "created_at": RFC3339.string(pr.createdAt), "updated_at": RFC3339.string(pr.lastActivityAt),
            ] as [String: Any],
        ]
        if let label = step.label { payload["label"] = ["name": label] }
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-GitHub-Event", value: "pull_request")
        request.headers.add(name: "X-GitHub-Delivery", value: delivery)
        request.headers.add(name: "X-Hub-Signature-256", value: WebhookSignature(secret: Data(secret.utf8)).sign(body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        return "\(response.status.code) \(text)"
    }

    /// Waits until the work queue has been empty, with nothing in flight, for a moment.
    private func waitUntilIdle(_ controller: Controller) async {
        var quiet = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while quiet < 5, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(40))
            quiet = controller.queue.depth == 0 && controller.queue.inFlight == 0 ? quiet + 1 : 0
        }
    }
}
