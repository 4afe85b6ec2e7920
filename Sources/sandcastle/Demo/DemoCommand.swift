import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SandcastleController
import SandcastleCore
import SandcastleDirectorySink
import SandcastleGitHub

/// `sandcastle demo`: the whole pipeline on loopback, with no cluster, network or GitHub account.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play an example PR's life through the real server and controller, writing previews as files.",
        discussion: """
            Starts the webhook server and controller on 127.0.0.1 with the directory sink and a local forge whose PR state \
            comes from the scenario file; each step delivers a signed webhook to the real endpoint and prints what happened.
            """
    )

    @Option(help: "The demo configuration.")
    var config = "examples/demo/sandcastle.yaml"

    @Option(help: "The scenario to play.")
    var scenario = "examples/demo/scenario.yaml"

    @Option(help: "Where previews are written (default: a new temporary directory).")
    var output: String?

    @Flag(help: "Keep serving the dashboard after the last step, until Ctrl-C.")
    var hold = false

    @Flag(help: "Print the controller's own log lines too.")
    var verbose = false

    func run() async throws {
        var config: SandcastleConfig
        do {
            config = try ConfigLoader.load(path: self.config)
        } catch {
            throw InvalidInput(error.description)
        }
        let play = try DemoScenario.load(scenario)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sandcastle-demo-\(UUID().uuidString.prefix(8))").path
        let outputDirectory = output ?? scratch + "/previews"
        config.sink = SinkConfig(kind: .directory, path: outputDirectory)
        config.controller.listen = "127.0.0.1:0"
        config.controller.workDirectory = scratch + "/work"
        let repositoryName = RepositoryName(parsing: play.repository)!
        guard let repository = config.repository(repositoryName) else {
            throw InvalidInput("\(scenario): repository \(play.repository) is not configured in \(self.config)")
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
        let host = ControllerHost(
            .init(
                config: config, source: forge, reporter: forge, sink: DirectorySink(root: outputDirectory),
                bundles: try GitCheckouts(root: scratch + "/work/checkouts", remote: .init(url: { _ in "file://" + origin }, token: { _ in nil })),
                webhookSecret: secret, logger: Logger(label: "sandcastle"),
                onListening: { bound in port.withLock { $0 = bound } }))
        let group = host.serviceGroup()
        let running = Task { try await group.run() }
        while port.withLock({ $0 }) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        let base = "http://127.0.0.1:\(port.withLock { $0 })"
        print("Sandcastle demo: \(play.repository)#\(play.number), \(shas.count) commits in a local git repository")
        print("  server and controller on \(base) (dashboard \(base)/, API \(base)/api/previews, metrics \(base)/metrics)")
        print("  previews are written to \(outputDirectory)")

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
            let folder = outputDirectory + "/" + names.namespace
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            if files.isEmpty {
                print("  files: \(folder) does not exist")
            } else {
                print("  files: \(folder)/ (\(files.count) manifests: \(files.prefix(4).joined(separator: ", "))\(files.count > 4 ? ", …" : ""))")
            }
            if let expect = step.expect, (expect == "present") == files.isEmpty {
                failures.append("step \(index + 1) (\(step.title)): expected the preview to be \(expect)")
            }
        }
        if let comment = await forge.comment {
            print("\nThe sticky comment, edited in place \(await forge.commentWrites) time(s), now reads:\n")
            print(comment.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        }
        print("\nDashboard: \(base)/ (served while the demo runs\(hold ? "; Ctrl-C to stop" : "; pass --hold to keep it up"))")
        if hold { try await running.value }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        if output == nil { try? FileManager.default.removeItem(atPath: scratch) }
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
