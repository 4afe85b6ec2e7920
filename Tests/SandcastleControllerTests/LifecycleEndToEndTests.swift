import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// Drift, teardown and crash recovery end to end over real HTTP.
@Suite("Lifecycle end to end", .serialized)
struct LifecycleEndToEndTests {
    static let deployment = ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")
    static let namespace = ResourceRef(apiVersion: "v1", kind: "Namespace", name: "pr-1-shop")

    static func deployStatus(_ h: ControllerHarness, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.max { $0.id < $1.id }
    }

    @Test func aDeletedDeploymentIsRestoredThroughTheWatch() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        _ = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        let before = try #require(await h.fakeKube.object(Self.deployment)?.value(at: "metadata.uid")?.string)
        _ = try await instance.kubeClient.delete(Self.deployment, propagation: .background, uid: nil)
        try await eventually("the Deployment is back", timeout: .seconds(10)) {
            guard let uid = await h.fakeKube.object(Self.deployment)?.value(at: "metadata.uid")?.string else { return false }
            return uid != before
        }
        try await eventually("ready again") { await h.environment(1)?.value(at: "status.phase")?.string == "Ready" }
    }

    @Test func aHandEditedDeploymentIsRestored() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        _ = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        var edited = try #require(await h.fakeKube.object(Self.deployment))
        var containers = edited.value(at: "spec.template.spec.containers")?.array ?? []
        var container = containers[0].object ?? ManifestObject()
        container["image"] = "ghcr.io/evil/miner:latest"
        containers[0] = .object(container)
        edited.set(.array(containers), at: "spec.template.spec.containers")
        // Someone with more rights than the controller edits it (the controller may not update Deployments).
        _ = try await h.fakeKube.seed(edited)
        try await eventually("the image is pinned again", timeout: .seconds(10)) {
            await h.fakeKube.object(Self.deployment)?.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string
                == "ghcr.io/acme/shop@\(ControllerHarness.digest)"
        }
    }

    @Test func aDeletedNamespaceIsRestored() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        await h.fakeKube.setNamespaceDeletionDelay(0.2)
        let instance = try await h.launch()
        _ = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        let before = try #require(await h.fakeKube.object(Self.namespace)?.value(at: "metadata.uid")?.string)
        _ = try await instance.kubeClient.delete(Self.namespace, propagation: .background, uid: nil)
        try await eventually("the namespace and its Deployment are back", timeout: .seconds(10)) {
            guard let namespace = await h.fakeKube.object(Self.namespace), namespace.value(at: "metadata.uid")?.string != before,
                namespace.value(at: "metadata.deletionTimestamp") == nil
            else { return false }
            return await h.fakeKube.object(Self.deployment) != nil
        }
        try await eventually("ready again") { await h.environment(1)?.value(at: "status.phase")?.string == "Ready" }
    }

    @Test func anUnchangedPreviewCostsNoWrites() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        _ = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        await h.fakeKube.resetRequests()
        let githubBefore = await h.fakeGitHub.requests.filter { $0.method != "GET" }.count
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await h.deliver("labeled", pr: 1, label: "preview", to: instance)
        try await Task.sleep(for: .milliseconds(300))
        try await settle(instance)
        let writes = await h.fakeKube.writeRequests.map { "\($0.method) \($0.path)" }
        #expect(writes.isEmpty, "\(writes)")
        #expect(await h.fakeGitHub.requests.filter { $0.method != "GET" }.count == githubBefore, "GitHub was told nothing new")
    }

    @Test func aTeardownHoldsNoWorkerWhileTheNamespaceTerminates() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        await h.fakeKube.setNamespaceDeletionDelay(3)
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("the namespace is terminating") {
            await h.fakeKube.object(Self.namespace)?.value(at: "metadata.deletionTimestamp") != nil
        }
        // While the namespace controller works (3 s), no worker waits for it: reconciles come and
        // go (watch events), none stays in flight for long.
        var longest: Duration = .zero
        var busySince: ContinuousClock.Instant?
        let watching = ContinuousClock.now
        while ContinuousClock.now - watching < .seconds(1.5) {
            if instance.controller.queue.inFlight > 0 {
                let since = busySince ?? .now
                busySince = since
                longest = max(longest, .now - since)
            } else {
                busySince = nil
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(longest < .milliseconds(750), "a reconcile stayed in flight for \(longest) while the namespace terminated")
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Terminating")
        #expect(await h.fakeKube.object(Self.namespace) != nil)
        try await eventually("PR 1 is gone", timeout: .seconds(15)) { await h.isGone(1) }
        try await settle(instance)
        #expect(await h.comments(1).first?.body.contains("Namespace `pr-1-shop` and everything in it are gone.") == true)
    }

    @Test func aReceiptThatFailsIsPostedOnALaterAttempt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)
        try await settle(instance)
        await h.fakeGitHub.inject(FakeGitHubFault(.status(502, message: "Bad Gateway"), method: "PATCH", pathContains: "/comments/", times: 3))
        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("the namespace is gone") { await h.namespace(1) == nil }
        try await eventually("the receipt is posted, then the environment forgotten", timeout: .seconds(15)) {
            let environment = await h.environment(1)
            return await h.comments(1).first?.body.contains("Preview removed") == true && environment == nil
        }
        #expect(await h.comments(1).count == 1)
        #expect(await h.fakeGitHub.requests.filter { $0.status == 502 }.count == 3, "the first attempts did fail")
    }

    @Test func aControllerKilledBetweenTheApplyAndTheReportFinishesAfterItsRestart() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        // GitHub takes no report: the apply lands, the report does not.
        await h.fakeGitHub.inject(
            FakeGitHubFault(.status(503, message: "Service Unavailable"), method: "POST", pathContains: "/statuses/", times: 1000))
        let first = try await h.launch(identity: "replica-1")
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: first)
        try await eventually("applied and ready on the cluster") { await h.environment(1)?.value(at: "status.phase")?.string == "Ready" }
        #expect(await Self.deployStatus(h, sha) == nil)
        await first.kill()
        await h.fakeGitHub.clearFaults()

        // A new process, no webhook: the watch's initial list hands it the preview, and what
        // GitHub was told (nothing) is part of what it observes.
        let second = try await h.launch(identity: "replica-2")
        try await eventually("success is reported by the new process", timeout: .seconds(15)) {
            await Self.deployStatus(h, sha)?.state == "success"
        }
        try await eventually("the sticky comment is posted") { await h.comments(1).count == 1 }
        try await settle(second)
        #expect(await h.environment(1)?.value(at: "status.reported.summary")?.string?.hasPrefix("ready:") == true)
    }

    /// The crash found on a real server: killed after Ready was recorded and GitHub was told
    /// `pending`, restarted on a cluster whose watches all fail. The new process's first resync
    /// hands it every preview (and, later, any whose report lags what is recorded), so GitHub is
    /// told `success` without a webhook and without a watch.
    @Test func aControllerKilledBetweenTheReadyRecordAndTheReportFinishesWithoutWatches() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.5))
        defer { Task { await h.stop() } }
        let first = try await h.launch(identity: "replica-1")
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: first)
        try await eventually("GitHub is told pending") { await Self.deployStatus(h, sha)?.state == "pending" }
        // From here GitHub takes no report: Ready is recorded, GitHub still says pending.
        await h.fakeGitHub.inject(
            FakeGitHubFault(.status(503, message: "Service Unavailable"), method: "POST", pathContains: "/statuses/", times: 1000))
        try await eventually("Ready on the cluster") { await h.environment(1)?.value(at: "status.phase")?.string == "Ready" }
        await first.kill()
        await h.fakeGitHub.clearFaults()
        #expect(await Self.deployStatus(h, sha)?.state == "pending")

        _ = try await h.launch(identity: "replica-2", watching: false)
        try await eventually("success is reported by the new process", timeout: .seconds(15)) {
            await Self.deployStatus(h, sha)?.state == "success"
        }
    }
}

@Suite("The queue survives a restart", .serialized)
struct QueueRecordEndToEndTests {
    /// PRs waiting for a slot are recorded as PreviewEnvironments in phase Queued (no namespace),
    /// so a new process admits the one that waited longest when a slot frees, without a webhook
    /// for it and without waiting for a resync.
    @Test func aRestartedControllerAdmitsTheLongestWaitingPR() async throws {
        let h = try await ControllerHarness.start(maxConcurrent: 1)
        defer { Task { await h.stop() } }
        let first = try await h.launch(identity: "replica-1")
        let sha = try await h.openUntilReady(1, on: first)
        let epoch = Date(timeIntervalSince1970: 1_800_000_000)
        // PR 3 was opened before PR 2, but its webhook comes second.
        await h.fakeGitHub.putPullRequest(
            ControllerHarness.repo, number: 2, sha: sha, labels: ["preview"], labeledBy: "maintainer", createdAt: epoch.addingTimeInterval(60))
        await h.fakeGitHub.putPullRequest(ControllerHarness.repo, number: 3, sha: sha, labels: ["preview"], labeledBy: "maintainer", createdAt: epoch)
        try await h.deliver("opened", pr: 2, to: first)
        try await h.deliver("opened", pr: 3, to: first)
        try await eventually("both are recorded as waiting") {
            let two = await h.environment(2)
            let three = await h.environment(3)
            return two?.value(at: "status.phase")?.string == "Queued" && three?.value(at: "status.phase")?.string == "Queued"
        }
        let namespaces = (await h.namespace(2), await h.namespace(3))
        #expect(namespaces.0 == nil && namespaces.1 == nil, "a waiting PR claims no namespace")
        try await settle(first)
        await first.kill()

        let second = try await h.launch(identity: "replica-2")
        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: second)
        try await eventually("PR 3, which waited longest, is admitted and Ready", timeout: .seconds(20)) { await h.isReady(3, at: sha) }
        try await settle(second)
        #expect(await h.environment(2)?.value(at: "status.phase")?.string == "Queued")
        #expect(await h.namespace(2) == nil)

        // A waiting PR that is closed loses its record.
        await h.putPR(2, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 2, to: second)
        try await eventually("PR 2's record is gone") { await h.environment(2) == nil }
    }
}
