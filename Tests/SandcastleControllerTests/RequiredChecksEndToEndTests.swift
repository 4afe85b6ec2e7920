import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// `trigger.requiredChecks` over real HTTP: nothing is deployed for a commit until CI's required
/// check succeeded on it; a failed check is reported and the previous commit's preview stays up.
@Suite("Required checks end to end", .serialized)
struct RequiredChecksEndToEndTests {
    static func deployStatus(_ h: ControllerHarness, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.max { $0.id < $1.id }
    }

    static let config = ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-1-shop", name: "shop-config")

    @Test func pendingDeploysNothingSuccessDeploysAndAFailureKeepsThePreviousPreview() async throws {
        let h = try await ControllerHarness.start(repositoryExtra: "    trigger: {requiredChecks: [build-scan-image]}")
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let first = try h.commitBundle(version: "1")
        await h.fakeGitHub.setCheckRun(ControllerHarness.repo, sha: first, name: "build-scan-image", status: "in_progress")
        await h.putPR(1, sha: first)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("GitHub hears the preview waits for CI") {
            await Self.deployStatus(h, first)?.description == "Deploying: waiting for required checks: build-scan-image"
        }
        try await settle(instance)
        #expect(await h.namespace(1) == nil, "nothing is deployed while the required check runs")

        // CI succeeds: the check_run webhook brings the deploy.
        await h.fakeGitHub.setCheckRun(ControllerHarness.repo, sha: first, name: "build-scan-image", status: "completed", conclusion: "success")
        try await h.deliverCheckRun("build-scan-image", sha: first, pr: 1, to: instance)
        try await eventually("Ready once the check passed") { await h.isReady(1, at: first) }

        // A push whose image build fails: reported, and the preview of the first commit stays.
        let second = try h.commitBundle(version: "2")
        await h.fakeGitHub.setCheckRun(ControllerHarness.repo, sha: second, name: "build-scan-image", status: "completed", conclusion: "failure")
        await h.putPR(1, sha: second)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("the failed check is reported on the new commit") { await Self.deployStatus(h, second)?.state == "failure" }
        #expect(
            await Self.deployStatus(h, second)?.description?.hasPrefix("required check build-scan-image failed on \(second.prefix(7)) (failure)")
                == true)
        try await settle(instance)
        let kept = try #require(await h.fakeKube.object(Self.config))
        #expect(kept.value(at: "data.VERSION")?.string == "1", "the first commit's preview is kept")
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Failed")
        try await settle(instance)
    }
}
