import Foundation
import Hummingbird
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// "Ready" only when it is, over real HTTP: the fake API server's workload controller stand-ins
/// write the statuses a real cluster writes, and the controller watches them.
@Suite("Readiness end to end", .serialized)
struct ReadinessEndToEndTests {
    static let deployment = ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")

    static func deployStatus(_ h: ControllerHarness, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        // The latest status of the context (GitHub lists the newest first).
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.max { $0.id < $1.id }
    }

    static func available(_ h: ControllerHarness) async -> Bool {
        guard let deployment = await h.fakeKube.object(Self.deployment) else { return false }
        return WorkloadReadiness.judge(deployment) == .ready
    }

    @Test func successIsPostedOnlyAfterEveryWorkloadIsAvailableAndWithinASecondOfIt() async throws {
        // The rollout takes 2 s alone, 10 s beside every other suite: long enough to see pending first.
        let rollout = latencyBound(.seconds(2)).components
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: Double(rollout.seconds)))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)

        // Applied, not available: pending with the rollout's own words.
        try await eventually("sandcastle/deploy is pending") { await Self.deployStatus(h, sha)?.state == "pending" }
        #expect(await !Self.available(h))
        let pending = await Self.deployStatus(h, sha)
        #expect(pending?.description == "Deploying: waiting for Deployment/shop to become available", "\(String(describing: pending))")
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Deploying")
        try await eventually("the comment says it is deploying") {
            await h.comments(1).first?.body.contains("waiting for Deployment/shop to become available") == true
        }
        let waiting = await h.comments(1).first?.body ?? ""
        #expect(!waiting.contains("**URL:**"), "no URL is offered before it works: \(waiting)")
        #expect(await h.environment(1)?.value(at: "status.message")?.string?.hasPrefix("Deployment shop:") == true, "the details are on the record")

        // The cluster makes it available; the watch, not the 30 s recheck, brings success.
        var availableAt: ContinuousClock.Instant?
        var successAt: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(30)
        while successAt == nil, ContinuousClock.now < deadline {
            if availableAt == nil, await Self.available(h) { availableAt = .now }
            if await Self.deployStatus(h, sha)?.state == "success" {
                successAt = .now
                if availableAt == nil, await Self.available(h) { availableAt = .now }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let available = try #require(availableAt, "the deployment never became available")
        let success = try #require(successAt, "success was never posted")
        #expect(available <= success, "success was posted before the workload was available")
        #expect(success - available < latencyBound(.seconds(1)), "Ready reported \(success - available) after the cluster's change")
        try await settle(instance)
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Ready")
        let comment = await h.comments(1).first?.body ?? ""
        #expect(comment.contains("https://shop-pr-1.preview.test") && comment.contains("rollout"), "\(comment)")
        #expect(instance.metricsText.contains("sandcastle_time_to_ready_seconds_count 1"))
        // `kubectl describe preview pr-1-shop` tells the story: Events in `default` about it.
        let events = await h.fakeKube.allObjects(namespace: "default").filter {
            $0["kind"]?.string == "Event" && $0.value(at: "regarding.name")?.string == "pr-1-shop"
        }
        #expect(events.compactMap { $0["reason"]?.string } == ["Applied", "Waiting", "Ready"], "\(events)")
    }

    @Test func anImageThatCannotBePulledStaysPendingWithTheImageNamedThenFailsAfterTheTimeout() async throws {
        let h = try await ControllerHarness.start(
            simulation: WorkloadSimulation(readyAfter: 0.1, failures: ["shop": .imagePullBackOff]), readinessTimeout: "3s")
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("the pending status names the image") {
            await Self.deployStatus(h, sha)?.description?.contains("ImagePullBackOff") == true
        }
        let pending = try #require(await Self.deployStatus(h, sha))
        #expect(pending.state == "pending")
        #expect(pending.description?.contains("ghcr.io/acme/shop@sha256:") == true, "\(pending.description ?? "")")
        try await eventually("the comment names the reason") { await h.comments(1).first?.body.contains("ImagePullBackOff") == true }
        let comment = await h.comments(1).first?.body ?? ""
        #expect(!comment.contains("**URL:**"), "no URL is offered before it works")
        #expect(await h.environment(1)?.value(at: "status.message")?.string?.contains("ImagePullBackOff") == true)

        try await eventually("failure after readiness.timeout", timeout: .seconds(15)) { await Self.deployStatus(h, sha)?.state == "failure" }
        let failure = try #require(await Self.deployStatus(h, sha))
        #expect(failure.description?.contains("not ready after 3s") == true && failure.description?.contains("ImagePullBackOff") == true)
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Failed")
        try await eventually("the GitHub Deployment fails too") {
            await h.fakeGitHub.deployments(ControllerHarness.repo).first?.statuses.last?.state == "failure"
        }
    }

    @Test func aQuotaRefusedReplicaSetIsReportedWithTheQuotaMessage() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.1, failures: ["shop": .quotaExceeded]))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("the quota refusal is reported") {
            await Self.deployStatus(h, sha)?.description?.contains("exceeded quota") == true
        }
        #expect(await Self.deployStatus(h, sha)?.state == "pending")
        let message = await h.environment(1)?.value(at: "status.message")?.string ?? ""
        #expect(message.contains("Deployment/shop: FailedCreate: exceeded quota: sandcastle-quota, requested: pods=1"), "\(message)")
        let workloads = await h.environment(1)?.stringMap(at: "status.workloads") ?? [:]
        #expect(workloads["Deployment/shop"]?.contains("FailedCreate") == true)
    }

    @Test func aCrashLoopShowsTheLastTerminationMessageAndRestartCount() async throws {
        let h = try await ControllerHarness.start(
            simulation: WorkloadSimulation(readyAfter: 0.1, failures: ["shop": .crashLoopBackOff(message: "panic: DATABASE_URL is not set")]))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("the crash loop is reported") { await Self.deployStatus(h, sha)?.description?.contains("CrashLoopBackOff") == true }
        let message = await h.environment(1)?.value(at: "status.message")?.string ?? ""
        #expect(message.contains("restarted 3 times") && message.contains("panic: DATABASE_URL is not set"), "\(message)")
    }

    @Test func withAnHTTPCheckThePreviewIsReadyOnlyOnceItAnswers() async throws {
        let healthy = LockedValue(false)
        let asked = LockedValue([String]())
        let app = try await LoopbackHTTPServer.start { request, _ in
            asked.withLock { $0.append(request.uri.description) }
            return Response(status: healthy.withLock { $0 } ? .ok : .serviceUnavailable)
        }
        defer { Task { await app.stop() } }
        let h = try await ControllerHarness.start(httpCheck: "\(app.baseURL)/healthz?pr={{ number }}&ns={{ namespace }}")
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("pending with the check's last answer") {
            await Self.deployStatus(h, sha)?.description?.contains("answered 503 (expected 200)") == true
        }
        #expect(await Self.available(h), "the workloads are available; only the check holds it back")
        #expect(asked.withLock { $0 }.first == "/healthz?pr=1&ns=pr-1-shop")
        healthy.withLock { $0 = true }
        try await eventually("success once it answers", timeout: .seconds(5)) { await Self.deployStatus(h, sha)?.state == "success" }
    }

    @Test func aPushRestartsTheClockAndAWorkingCommitBecomesReady() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.3))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let first = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        let started = await h.environment(1)?.value(at: "status.deployStartedAt")?.string
        try await Task.sleep(for: .seconds(1.1))
        let second = try h.commitBundle(version: "2")
        await h.putPR(1, sha: second)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("PR 1 is Ready at the new head") { await Self.deployStatus(h, second)?.state == "success" }
        #expect(await h.environment(1)?.value(at: "status.deployStartedAt")?.string != started)
        #expect(await Self.deployStatus(h, first)?.state == "success")
    }
}
