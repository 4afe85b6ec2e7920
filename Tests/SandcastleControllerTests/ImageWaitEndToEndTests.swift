import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// The image CI builds for the head commit, through a real registry (Debian's `docker-registry`
/// with htpasswd auth): the preview waits for its tag, says so on GitHub, and deploys the digest
/// within seconds of the push.
@Suite("Images end to end", .serialized)
struct ImageWaitEndToEndTests {
    @Test func aTagPushedAfterThePREventIsDeployedWithinSecondsOfThePush() async throws {
        let registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "registry-pw"))
        defer { registry.stop() }
        let h = try await ControllerHarness.start(
            images: "[{name: \(registry.host)/acme/shop, tag: \"pr-{{ number }}-{{ sha }}\"}]",
            topLevelExtra:
                "registries: [{host: \"\(registry.host)\", username: {env: E2E_REGISTRY_USER}, password: {env: E2E_REGISTRY_PASSWORD}, insecure: true}]"
        )
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.origin.commit(
            [
                "deploy/preview/app.yaml": ControllerHarness.bundle.replacingOccurrences(of: "%VERSION%", with: "1").replacingOccurrences(
                    of: "ghcr.io/acme/shop:latest", with: "\(registry.host)/acme/shop:latest")
            ], message: "v1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        let tag = "pr-1-\(sha)"
        try await eventually("GitHub hears what is waited for") {
            await Self.deployStatus(h, sha)?.description == "Deploying: waiting for \(registry.host)/acme/shop:\(tag)"
        }
        #expect(await Self.deployStatus(h, sha)?.state == "pending")
        #expect(await h.namespace(1) == nil, "nothing is applied while the image is missing")
        try await Task.sleep(for: .seconds(5))
        let digest = try await registry.pushIndex("acme/shop", tag: tag)
        let pushed = ContinuousClock.now
        try await eventually("Ready with the pushed digest", timeout: .seconds(30)) { await h.isReady(1, at: sha) }
        #expect(ContinuousClock.now - pushed < .seconds(12), "the registry is asked again within seconds, not minutes")
        let deployment = try #require(
            await h.fakeKube.object(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")))
        #expect(
            deployment.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string == "\(registry.host)/acme/shop@\(digest)",
            "pinned to the index digest")
        // The registry's credentials reach the preview as its pull Secret, used by the default ServiceAccount.
        let pull = try #require(
            await h.fakeKube.object(ResourceRef(apiVersion: "v1", kind: "Secret", namespace: "pr-1-shop", name: RegistryCredentials.secretName)))
        #expect(pull["type"] == "kubernetes.io/dockerconfigjson")
        let config = String(decoding: Data(base64Encoded: pull["data"]?.object?[".dockerconfigjson"]?.string ?? "") ?? Data(), as: UTF8.self)
        #expect(config == RegistryCredentials.dockerConfigJSON([.init(host: registry.host, username: "ci", password: "registry-pw")]))
        let account = try #require(
            await h.fakeKube.object(ResourceRef(apiVersion: "v1", kind: "ServiceAccount", namespace: "pr-1-shop", name: "default")))
        #expect(account.value(at: "imagePullSecrets") == [["name": .string(RegistryCredentials.secretName)]])
        let environment = try #require(await h.environment(1))
        #expect(!ManifestValue.object(environment).canonicalJSON.contains(pull["data"]?.object?[".dockerconfigjson"]?.string ?? "unset"))
        try await settle(instance)
    }

    /// `images.lockFile`: the digests committed with the PR pin its images; a malformed lock file
    /// is reported naming the file and line, and nothing is applied.
    @Test func theLockFileFromTheHeadCommitPinsImages() async throws {
        let h = try await ControllerHarness.start(images: "{lockFile: deploy/images.lock.yaml}")
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let digest = "sha256:" + String(repeating: "7", count: 64)
        let bundle = ControllerHarness.bundle.replacingOccurrences(of: "%VERSION%", with: "1")
        let sha = try h.origin.commit(
            ["deploy/preview/app.yaml": bundle, "deploy/images.lock.yaml": "# written by CI\n- ghcr.io/acme/shop@\(digest)\n"], message: "lock")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("Ready") { await h.isReady(1, at: sha) }
        let deployment = try #require(
            await h.fakeKube.object(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")))
        #expect(deployment.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string == "ghcr.io/acme/shop@\(digest)")

        let broken = try h.origin.commit(["deploy/images.lock.yaml": "- ghcr.io/acme/shop:latest\n"], message: "broken lock")
        await h.putPR(1, sha: broken)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("the malformed lock file is reported") { await Self.deployStatus(h, broken)?.state == "failure" }
        let description = await Self.deployStatus(h, broken)?.description ?? ""
        #expect(description.contains("image lock file is malformed"), "\(description)")
        // The statuses go first, then the comment: wait for it.
        try await eventually("the comment names the file and line") {
            await h.comments(1).first?.body.contains("deploy/images.lock.yaml:1") == true
        }
        try await settle(instance)
    }

    static func deployStatus(_ h: ControllerHarness, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.max { $0.id < $1.id }
    }
}
