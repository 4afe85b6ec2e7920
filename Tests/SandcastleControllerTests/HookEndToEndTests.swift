import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// Seed and verify in order, over real HTTP: the fake API server's job controller stand-in runs
/// the Jobs (and leaves a failed pod's termination message, as the kubelet does), the controller
/// watches them and tells GitHub.
@Suite("Hooks end to end", .serialized)
struct HookEndToEndTests {
    static let seedImage = "ghcr.io/acme/seed@sha256:" + String(repeating: "1", count: 64)
    static let verifyImage = "ghcr.io/acme/verify@sha256:" + String(repeating: "2", count: 64)
    static let hooks =
        "{seed: {image: '\(seedImage)', command: [/seed, '{{ url }}/api/items'], env: [{name: TOKEN, secretKeyRef: {name: scout-token, key: token}}]}, verify: {image: '\(verifyImage)', args: ['--expect', '3']}}"

    static func job(_ stage: String, _ sha: String) -> ResourceRef {
        ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: "pr-1-shop", name: "sandcastle-\(stage)-\(sha.prefix(7))")
    }

    static let deployment = ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")

    /// The latest status of `context` on `sha`.
    static func status(_ h: ControllerHarness, _ context: String, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == context }.max { $0.id < $1.id }
    }

    @Test func seedStartsAfterTheWorkloadsAreAvailableVerifyAfterTheSeedAndAPushRunsBothAgain() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.5), hooks: Self.hooks)
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("verify passed on GitHub") { await Self.status(h, "sandcastle/verify", sha)?.state == "success" }

        let kube = h.fakeKube
        let available = try #require(await kube.becameAvailable(Self.deployment))
        let seedCreated = try #require(await kube.specChanged(Self.job("seed", sha)))
        let seedDone = try #require(await kube.becameAvailable(Self.job("seed", sha)))
        let verifyCreated = try #require(await kube.specChanged(Self.job("verify", sha)))
        #expect(seedCreated >= available, "the seed Job is created only once the Deployment is available")
        #expect(verifyCreated >= seedDone, "the verify Job is created only once the seed Job completed")
        #expect(await Self.status(h, "sandcastle/seed", sha)?.state == "success")
        #expect(await Self.status(h, "sandcastle/deploy", sha)?.state == "success")

        // Every hook container carries the preview's address and the documented environment.
        let seed = try #require(await kube.object(Self.job("seed", sha)))
        let container = try #require(seed.value(at: "spec.template.spec.containers")?.array?.first?.object)
        var env: [String: String] = [:]
        for entry in container["env"]?.array ?? [] {
            if let name = entry.object?["name"]?.string { env[name] = entry.object?["value"]?.string ?? "(from a reference)" }
        }
        #expect(env["SANDCASTLE_URL"] == "https://shop-pr-1.preview.test")
        #expect(env["SANDCASTLE_HOST"] == "shop-pr-1.preview.test")
        #expect(env["SANDCASTLE_NAMESPACE"] == "pr-1-shop")
        #expect(env["SANDCASTLE_REPOSITORY"] == "acme/shop")
        #expect(env["SANDCASTLE_PR"] == "1")
        #expect(env["SANDCASTLE_SHA"] == sha)
        #expect(env["TOKEN"] == "(from a reference)", "configured env entries are added")
        #expect(container["command"] == ["/seed", "https://shop-pr-1.preview.test/api/items"], "{{ }} variables are filled in")
        #expect(container["terminationMessagePolicy"] == "FallbackToLogsOnError")
        #expect(seed.stringMap(at: "metadata.labels")["app.kubernetes.io/managed-by"] == "sandcastle")

        // A push runs both again, on the new commit, in the same order.
        let next = try h.commitBundle(version: "2")
        await h.putPR(1, sha: next)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("verify passed on the new commit") { await Self.status(h, "sandcastle/verify", next)?.state == "success" }
        let nextSeed = try #require(await kube.specChanged(Self.job("seed", next)))
        let nextVerify = try #require(await kube.specChanged(Self.job("verify", next)))
        #expect(nextSeed < nextVerify)
        let comment = try #require(await h.comments(1).first)
        #expect(comment.body.contains("sandcastle/verify"), "the comment lists the hooks")
        try await settle(instance)
    }

    @Test func aFailingVerifyShowsItsLastOutputEscapedAndWithoutSecrets() async throws {
        let output = "<script>alert(1)</script> ``` @everyone | DATABASE_PASSWORD=hunter2\nGET /api/items: expected 3 items, got 0\n"
        let simulation = WorkloadSimulation(readyAfter: 0.3, failingJobs: ["sandcastle-verify-"], jobOutputs: ["sandcastle-verify-": output])
        let h = try await ControllerHarness.start(simulation: simulation, hooks: Self.hooks)
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("verify failed on GitHub") { await Self.status(h, "sandcastle/verify", sha)?.state == "failure" }
        let status = try #require(await Self.status(h, "sandcastle/verify", sha))
        #expect(status.description?.contains("failed (BackoffLimitExceeded)") == true, "\(status.description ?? "")")
        #expect(status.description?.contains("job/sandcastle-verify-\(sha.prefix(7))") == true, "names the Job for kubectl logs")
        #expect(status.description?.hasSuffix(": GET /api/items: expected 3 items, got 0") == true, "summarises the output's last line")
        #expect(status.description?.contains("hunter2") == false)
        #expect(await Self.status(h, "sandcastle/deploy", sha)?.state == "success", "the preview itself is ready")
        try await eventually("the comment shows the output") { await h.comments(1).first?.body.contains("expected 3 items, got 0") == true }
        let body = try #require(await h.comments(1).first?.body)
        #expect(body.contains("<details><summary>verify output"))
        #expect(!body.contains("hunter2"), "a password in the output is redacted")
        #expect(body.contains("DATABASE_PASSWORD=[redacted]"))
        // The PR's text sits inside a fence longer than any backtick run in it: inert.
        let fenced = try #require(body.range(of: "````text\n"))
        let script = try #require(body.range(of: "<script>"))
        let close = try #require(body.range(of: "\n````", range: script.upperBound..<body.endIndex))
        #expect(fenced.upperBound <= script.lowerBound && script.upperBound <= close.lowerBound)
        try await settle(instance)
    }

    @Test func aFailedSeedSkipsVerify() async throws {
        let h = try await ControllerHarness.start(
            simulation: WorkloadSimulation(readyAfter: 0.3, failingJobs: ["sandcastle-seed-"], jobOutputs: ["sandcastle-seed-": "seed: 500"]),
            hooks: Self.hooks)
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("verify is reported skipped") { await Self.status(h, "sandcastle/verify", sha)?.state == "error" }
        #expect(await Self.status(h, "sandcastle/verify", sha)?.description == "skipped: the seed Job failed")
        #expect(await Self.status(h, "sandcastle/seed", sha)?.state == "failure")
        try await settle(instance)
        #expect(await h.fakeKube.object(Self.job("verify", sha)) == nil, "no verify Job was created")
    }

    @Test func aBundleJobAnnotatedAsAHookIsHeldBackAndOrdered() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.5))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let job = """
            ---
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: load-fixtures
              annotations: {sandcastle.dev/hook: seed}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: fixtures, image: "ghcr.io/acme/shop:latest", command: [/load-fixtures]}]
            """
        let sha = try h.origin.commit(
            ["deploy/preview/app.yaml": ControllerHarness.bundle.replacingOccurrences(of: "%VERSION%", with: "1") + "\n" + job], message: "hook")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("the seed passed on GitHub") { await Self.status(h, "sandcastle/seed", sha)?.state == "success" }
        let ref = ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: "pr-1-shop", name: "load-fixtures-\(sha.prefix(7))")
        let created = try #require(await h.fakeKube.specChanged(ref))
        let available = try #require(await h.fakeKube.becameAvailable(Self.deployment))
        #expect(created >= available, "held back from the first apply")
        let stored = try #require(await h.fakeKube.object(ref))
        #expect(
            stored.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string
                == "ghcr.io/acme/shop@\(ControllerHarness.digest)",
            "pinned like every other image")
        let inventory = try #require(await h.environment(1)).value(at: "status.inventory")?.array ?? []
        #expect(!inventory.contains { $0.object?["kind"]?.string == "Job" }, "a hook Job is not part of the applied set")
        #expect(await h.fakeKube.object(ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: "pr-1-shop", name: "load-fixtures")) == nil)
        try await settle(instance)
    }
}
