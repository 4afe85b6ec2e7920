import AsyncHTTPClient
import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle run` and `sandcastle demo` as the built binary.
@Suite struct RunAndDemoCLITests {
    static let root = repositoryRoot(from: #filePath)

    @Test func theDemoPlaysTheExamplePRAndExitsZero() async throws {
        let result = try await SandcastleExecutable.run(["demo"], in: Self.root)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("[1/5] PR opened with the preview label"))
        #expect(out.contains("webhook pull_request.opened -> HTTP 202"))
        #expect(out.contains("github: status sandcastle/deploy = success"))
        #expect(out.contains("preview: Ready at https://blog-pr-42.preview.localhost"))
        #expect(out.contains("files: ") && out.contains("/pr-42-blog/ ("))
        #expect(out.contains("[3/5] The preview label is removed"))
        #expect(out.contains("The sticky comment, edited in place"))
        #expect(out.contains("### Preview removed"))
        #expect(out.contains("Demo complete: every step converged."))
    }

    @Test func theDemoNamesABadScenarioField() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "scenario.yaml": """
            repository: acme/shop
            number: 1
            author: a
            permission: write
            commits: [{message: one, from: .}]
            steps: [{title: t, action: opened, commit: 3}]
            """
        ])
        let result = try await SandcastleExecutable.run(["demo", "--scenario", dir.path + "/scenario.yaml"], in: Self.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("scenario.yaml: steps[0].commit: expected 1 to 1, found 3"), "\(result.stderr)")
    }

    @Test func runRefusesAConfigurationWithoutAWebhookSecret() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "sandcastle.yaml": "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: acme/shop}]\n"
        ])
        let result = try await SandcastleExecutable.run(["run", "-c", dir.path + "/sandcastle.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("forge.github.webhookSecret is required by 'run'"), "\(result.stderr)")
    }

    /// The real composition root: starts without a cluster (directory sink), serves every route,
    /// answers a signed ping, logs JSON without secrets, and stops cleanly on SIGTERM.
    @Test func runServesAndShutsDownGracefullyOnSIGTERM() async throws {
        let github = try await FakeGitHubServer.start()
        defer { Task { await github.stop() } }
        await github.github.addRepository(RepositoryName(owner: "acme", name: "shop"), collaborators: ["bot": .write])
        await github.github.addPersonalToken("ghp_run_token_value", login: "bot")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "token": "ghp_run_token_value",
            "secret": "run-webhook-secret-value",
            "sandcastle.yaml": Self.runConfiguration(dir, apiURL: github.apiURL),
        ])
        let (process, logFile, log, bound, adminBound) = try await Self.launchRun(dir, environment: ["KUBECONFIG": dir.path + "/none"])
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(bound)"
        let admin = "http://127.0.0.1:\(adminBound)"
        for (url, needle) in [
            (base + "/healthz", "ok"), (base + "/readyz", "ready"), (admin + "/", "Sandcastle previews"), (admin + "/api/previews", "[]"),
            (admin + "/metrics", "sandcastle_queue_depth"),
        ] {
            let (status, body) = try await Self.get(url)
            #expect(status == 200, "\(url)")
            #expect(body.contains(needle), "\(url)")
        }
        // Only the webhook and the probes face the internet: the dashboard, API and metrics do not.
        for path in ["/", "/api/previews", "/metrics"] {
            let (status, _) = try await Self.get(base + path)
            #expect(status == 404, "\(path) is not served on the webhook listener")
        }
        let sender = WebhookSender(secret: "run-webhook-secret-value")
        let pong = try await sender.deliver(
            event: "ping", payload: Data(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8), to: base + "/webhooks/github")
        try await sender.shutdown()
        #expect(pong.status == 200)
        let (_, metrics) = try await Self.get(admin + "/metrics")
        #expect(metrics.contains(#"sandcastle_webhook_deliveries_total{outcome="pong"} 1"#))

        process.interrupt()  // SIGINT, then SIGTERM would do the same
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "still running 10 s after SIGTERM")
        #expect(process.terminationStatus == 0)
        try log.close()
        let text = try String(contentsOfFile: logFile, encoding: .utf8)
        #expect(text.contains("no cluster configured; writing previews with the directory sink"))
        #expect(!text.contains("ghp_run_token_value") && !text.contains("run-webhook-secret-value"), "a secret reached the log")
        for line in text.split(separator: "\n") where line.hasPrefix("{") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
        }
    }

    /// A configuration for `run` against the fake GitHub at `apiURL`, with the token and webhook
    /// secret in `dir`'s files `token` and `secret`, both listeners on free loopback ports.
    static func runConfiguration(_ dir: TemporaryDirectory, apiURL: String, sink: String? = nil) -> String {
        """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        forge:
          github:
            apiURL: \(apiURL)
            token: {file: \(dir.path)/token}
            webhookSecret: {file: \(dir.path)/secret}
        \(sink.map { "sink: \($0)\n" } ?? "")controller:
          listen: 127.0.0.1:0
          adminListen: 127.0.0.1:0
          logFormat: json
          workDirectory: \(dir.path)/work
        repositories: [{name: acme/shop}]

        """
    }

    /// Starts `sandcastle run -c DIR/sandcastle.yaml` in `dir`; returns once it logs `listening`.
    static func launchRun(_ dir: TemporaryDirectory, environment: [String: String]) async throws -> (Process, String, FileHandle, Int, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SandcastleExecutable.path)
        process.arguments = ["run", "-c", dir.path + "/sandcastle.yaml"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path].merging(environment) { $1 }
        let logFile = dir.path + "/stderr.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func port(_ message: String, in text: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains("\"msg\":\"\(message)\"") }),
                let range = line.range(of: #"127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
            else { return nil }
            return Int(line[range].split(separator: ":").last!)
        }
        var ports: (Int, Int)?
        for _ in 0..<200 where ports == nil {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            if let webhook = port("listening", in: text), let admin = port("admin listening", in: text) { ports = (webhook, admin) }
        }
        guard let ports else {
            process.terminate()
            throw TestFailure("no 'listening' log line: \((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "")")
        }
        return (process, logFile, log, ports.0, ports.1)
    }

    /// On a cluster where the Lease cannot be written, `run` says so: the start-up cluster check
    /// and the leader election log the API's message, metrics count it, the dashboard shows it.
    @Test func runOnAClusterThatRefusesTheLeaseSaysWhy() async throws {
        let github = try await FakeGitHubServer.start()
        defer { Task { await github.stop() } }
        await github.github.addRepository(RepositoryName(owner: "acme", name: "shop"), collaborators: ["bot": .write])
        await github.github.addPersonalToken("ghp_run_token_value", login: "bot")
        let cluster = try await FakeKubernetesServer.start()
        defer { Task { await cluster.stop() } }
        try await cluster.kubernetes.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]])
        let rules = try ClusterCheckCLITests.deployedRules().map { rule in
            var rule = rule
            if rule.resources == ["leases"] { rule.verbs.removeAll { $0 == "create" } }
            return rule
        }
        await cluster.kubernetes.restrictAccess(user: ClusterCheckCLITests.user, rules: rules)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "token": "ghp_run_token_value", "secret": "run-webhook-secret-value", "kubeconfig": cluster.kubeconfig(),
            "sandcastle.yaml": Self.runConfiguration(dir, apiURL: github.apiURL),
        ])
        let (process, logFile, log, _, port) = try await Self.launchRun(
            dir, environment: ["KUBECONFIG": dir.path + "/kubeconfig", "POD_NAMESPACE": "sandcastle-system"])
        defer { if process.isRunning { process.terminate() } }
        let forbidden = #"cannot create resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"sandcastle-system\""#
        var text = ""
        for _ in 0..<200 {
            text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            if text.contains("cluster check failed"), text.contains("leader election failed") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(text.contains("cluster check failed"), "\(text)")
        #expect(text.contains("leader election failed"), "\(text)")
        #expect(text.contains(forbidden), "the API's message is in the log: \(text)")
        let (_, page) = try await Self.get("http://127.0.0.1:\(port)/")
        #expect(page.contains("This replica is not leading: Lease sandcastle-system/sandcastle-controller:"), "\(page)")
        let (_, metrics) = try await Self.get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.contains("sandcastle_leader 0"))
        #expect(metrics.contains("sandcastle_leader_election_errors_total"))
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        try log.close()
        let final = try String(contentsOfFile: logFile, encoding: .utf8)
        // The same refusal is logged once, not per attempt (a different error, e.g. a timeout of the
        // loaded test machine, would be logged on its own line).
        let refusals = final.split(separator: "\n").filter { $0.contains("leader election failed") && $0.contains("cannot create resource") }
        #expect(refusals.count == 1, "logged once, not per attempt: \(refusals)")
    }

    static func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }
}

/// A failed test precondition, with what was seen.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
