import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// The controller end to end over real HTTP: fake GitHub, fake API server, real clients, real git.
@Suite("End to end", .serialized)
struct EndToEndTests {
    @Test func openedWithTheLabelBecomesReadyWithStatusesDeploymentAndComment() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        let delivery = try await h.deliver("opened", pr: 1, to: instance)
        #expect(delivery.status == 202)
        try await eventually("PR 1 is Ready") { await h.isReady(1, at: sha) }
        try await settle(instance)

        let statuses = await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha)
        #expect(statuses.first { $0.context == "sandcastle/deploy" }?.state == "success")
        #expect(statuses.first { $0.context == "sandcastle/deploy" }?.targetURL == "https://shop-pr-1.preview.test")
        let deployments = await h.fakeGitHub.deployments(ControllerHarness.repo)
        #expect(deployments.count == 1)
        #expect(deployments.first?.transient == true && deployments.first?.production == false)
        #expect(deployments.first?.statuses.last?.state == "success")
        #expect(deployments.first?.statuses.last?.environmentURL == "https://shop-pr-1.preview.test")
        let comments = await h.comments(1)
        #expect(comments.count == 1)
        #expect(comments.first?.body.contains(PreviewComment.marker) == true)
        #expect(comments.first?.body.contains("https://shop-pr-1.preview.test") == true)
        let pinned = await h.fakeKube.object(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop"))
        #expect(
            pinned?.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string
                == "ghcr.io/acme/shop@\(ControllerHarness.digest)")
        #expect(instance.book.record(Make.key(1, ControllerHarness.repo))?.phase == .ready)
        #expect(instance.metricsText.contains("sandcastle_time_to_ready_seconds_count 1"))
        #expect(instance.metricsText.contains(#"sandcastle_previews{phase="Ready"} 1"#))
    }

    @Test func aPushRewritesOnlyTheObjectsThatChanged() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        _ = try await h.openUntilReady(1, on: instance)
        try await settle(instance)

        await h.fakeKube.resetRequests()
        let second = try h.commitBundle(version: "2")
        await h.putPR(1, sha: second)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("PR 1 is Ready at the new head") { await h.isReady(1, at: second) }
        try await settle(instance)

        let writes = await h.fakeKube.writeRequests.map { "\($0.method) \($0.path)" }
        #expect(writes.filter { $0.contains("/configmaps/shop-config") }.count == 1)
        #expect(writes.filter { $0.contains("/deployments/") || $0.contains("/services/") }.isEmpty, "unchanged objects were rewritten: \(writes)")
        #expect(writes.filter { $0.contains("/limitranges/") || $0.contains("/resourcequotas/") || $0.contains("/networkpolicies/") }.isEmpty)
        let config = await h.fakeKube.object(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-1-shop", name: "shop-config"))
        #expect(config?.value(at: "data.VERSION")?.string == "2")
        #expect(await h.comments(1).count == 1)
    }

    @Test func removingTheLabelTearsThePreviewDown() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)

        await h.putPR(1, sha: sha, labels: [])
        try await h.deliver("unlabeled", pr: 1, label: "preview", to: instance)
        try await eventually("PR 1's namespace and PreviewEnvironment are gone") { await h.isGone(1) }
        try await settle(instance)
        let deployments = await h.fakeGitHub.deployments(ControllerHarness.repo)
        #expect(deployments.allSatisfy { $0.statuses.last?.state == "inactive" })
        #expect(await h.comments(1).first?.body.contains("carries none of the labels preview") == true)
    }

    @Test func closingTearsDownAndLeavesAReceipt() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)

        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("PR 1 is gone") { await h.isGone(1) }
        try await settle(instance)
        let comments = await h.comments(1)
        #expect(comments.count == 1)
        let body = comments.first?.body ?? ""
        #expect(body.contains("Preview removed"))
        #expect(body.contains("the pull request is closed"))
        #expect(body.contains("Namespace `pr-1-shop` and everything in it are gone."))
        #expect(instance.book.record(Make.key(1, ControllerHarness.repo)) == nil)
        #expect(instance.metricsText.contains("sandcastle_time_to_gone_seconds_count 1"))
    }

    @Test func resyncRepairsLostWebhooks() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        try await settle(instance)
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)  // opened and labelled, but the webhook never arrives
        let report = await instance.controller.resync.pass()
        #expect(report.enqueued == [Make.key(1, ControllerHarness.repo)])
        try await eventually("PR 1 is Ready") { await h.isReady(1, at: sha) }
        try await settle(instance)

        await h.putPR(1, sha: sha, state: "closed")  // closed, webhook lost again
        let second = await instance.controller.resync.pass()
        #expect(second.enqueued == [Make.key(1, ControllerHarness.repo)])
        try await eventually("PR 1 is gone") { await h.isGone(1) }

        try await settle(instance)
        let third = await instance.controller.resync.pass()
        #expect(third.enqueued.isEmpty)
    }

    @Test func aGitHubOutageDuringResyncDeletesNothingAndConvergesAfter() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        for number in 1...2 { await h.putPR(number, sha: sha) }
        _ = await instance.controller.resync.pass()
        try await eventually("both PRs are Ready") {
            let one = await h.isReady(1, at: sha)
            let two = await h.isReady(2, at: sha)
            return one && two
        }
        try await settle(instance)

        await h.putPR(2, sha: sha, state: "closed")
        for kind in [FakeGitHubFault.Kind.status(502, message: "Bad Gateway"), .htmlOK] {
            await h.fakeGitHub.clearFaults()
            await h.fakeGitHub.inject(FakeGitHubFault(kind, pathContains: "/repos/acme/shop", times: 1000))
            let report = await instance.controller.resync.pass()
            #expect(report.failedRepositories == [ControllerHarness.repo])
            #expect(report.enqueued.isEmpty)
            _ = await instance.controller.janitor.pass()
            try await Task.sleep(for: .milliseconds(300))
            #expect(await h.environment(1) != nil)
            #expect(await h.environment(2) != nil, "nothing may be deleted while GitHub cannot be read")
        }

        await h.fakeGitHub.clearFaults()
        let report = await instance.controller.resync.pass()
        #expect(report.failedRepositories.isEmpty)
        try await eventually("the closed PR's preview is gone") { await h.isGone(2) }
        try await settle(instance)
        #expect(await h.isReady(1, at: sha))
    }

    @Test func aMassCloseTripsTheBreakerAndIsConfirmedPerPR() async throws {
        let h = try await ControllerHarness.start(maxConcurrent: 10)
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        for number in 1...6 { await h.putPR(number, sha: sha) }
        _ = await instance.controller.resync.pass()
        try await eventually("six previews are Ready") {
            for number in 1...6 where await !h.isReady(number, at: sha) { return false }
            return true
        }
        try await settle(instance)

        for number in 1...6 { await h.putPR(number, sha: sha, state: "closed") }  // all webhooks lost
        let report = await instance.controller.resync.pass()
        #expect(report.breaker == BreakerTrip(unconfirmed: 6, live: 6, limit: 3))
        #expect(report.enqueued.isEmpty)
        #expect(instance.book.lastBreakerTrip?.contains("6 of 6 live previews") == true)
        #expect(instance.metricsText.contains("sandcastle_breaker_trips_total 1"))
        try await settle(instance)
        for number in 1...6 { #expect(await h.environment(number) != nil) }

        // The janitor confirms each PR with its own read; confirmed closures are torn down.
        let janitor = await instance.controller.janitor.pass()
        #expect(janitor.enqueued.count == 6)
        try await eventually("all six are gone") {
            for number in 1...6 where await !h.isGone(number) { return false }
            return true
        }
        let reads = await h.fakeGitHub.requests(matching: "/pulls/").filter { $0.method == "GET" }
        #expect(Set(reads.map(\.path)).count >= 6)
    }

    @Test func aRestartInTheMiddleOfAReconcileConvergesWithoutDuplicates() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let first = try await h.launch(identity: "before")
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        // Hold the apply of the workload long enough to kill the process in the middle of it.
        await h.fakeKube.inject(FakeKubernetesFault(.delay(seconds: 4), method: "PATCH", pathContains: "/deployments/", times: 1))
        try await h.deliver("opened", pr: 1, to: first)
        try await eventually("the reconcile is in the middle of applying") { await h.namespace(1) != nil }
        #expect(await h.isReady(1, at: sha) == false)
        await first.kill()

        let second = try await h.launch(identity: "after")
        _ = await second.controller.resync.pass()
        try await eventually("PR 1 is Ready after the restart") { await h.isReady(1, at: sha) }
        try await settle(second)
        _ = await second.controller.resync.pass()
        try await h.deliver("synchronize", pr: 1, to: second)
        try await settle(second)

        #expect(await h.comments(1).count == 1)
        let deployments = await h.fakeGitHub.deployments(ControllerHarness.repo)
        #expect(deployments.count == 1)
        #expect(deployments.first?.statuses.last?.state == "success")
        let namespaces = await h.fakeKube.allObjects().filter { $0["kind"]?.string == "Namespace" }
        #expect(namespaces.count == 1)
    }

    @Test func twoControllerInstancesElectOneLeader() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let a = try await h.launch(identity: "replica-a", useLease: true)
        let b = try await h.launch(identity: "replica-b", useLease: true)
        try await eventually("one replica leads") { a.controller.isLeading || b.controller.isLeading }
        try await Task.sleep(for: .milliseconds(600))
        #expect(a.controller.isLeading != b.controller.isLeading, "exactly one replica leads")
        let (leader, follower) = a.controller.isLeading ? (a, b) : (b, a)

        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: follower)  // the follower only queues
        try await h.deliver("opened", pr: 1, to: leader)
        try await eventually("PR 1 is Ready") { await h.isReady(1, at: sha) }
        try await settle(leader)
        #expect(follower.book.records.isEmpty, "the follower reconciled nothing")
        #expect(await h.comments(1).count == 1)

        await leader.kill()
        try await eventually("the other replica takes over") { follower.controller.isLeading }
        // The new leader reconciles what it queued while following, and new work too.
        await h.putPR(2, sha: sha)
        try await h.deliver("opened", pr: 2, to: follower)
        try await eventually("PR 2 is Ready under the new leader") { await h.isReady(2, at: sha) }
        try await settle(follower)
        #expect(await h.comments(1).count == 1, "no duplicate comment after the failover")
    }
}
