import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// Copied Secrets and routes over real HTTP, with the fake API server standing in for the
/// cluster (and, for HTTPRoutes, for a Gateway API controller writing route status).
@Suite("Exposure end to end", .serialized)
struct ExposureEndToEndTests {
    static let source = ResourceRef(apiVersion: "v1", kind: "Secret", namespace: "preview-secrets", name: "ghcr-pull")
    static func copy(_ pr: Int) -> ResourceRef { ResourceRef(apiVersion: "v1", kind: "Secret", namespace: "pr-\(pr)-shop", name: "ghcr-pull") }

    static func seedSource(_ h: ControllerHarness, _ auth: String) async throws {
        let config = Data(#"{"auths":{"ghcr.io":{"auth":"\#(auth)"}}}"#.utf8).base64EncodedString()
        try await h.fakeKube.seed([
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": ["name": "ghcr-pull", "namespace": "preview-secrets"], "data": [".dockerconfigjson": .string(config)],
        ])
    }

    static func deployStatus(_ h: ControllerHarness, _ sha: String) async -> FakeGitHub.CommitStatusRecord? {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.max { $0.id < $1.id }
    }

    @Test func aCopiedSecretAppearsFollowsItsSourceAndGoesAtTeardown() async throws {
        // The source namespace grants the controller read and watch, as deploy/examples says to.
        let h = try await ControllerHarness.start(
            repositoryExtra: "    secrets: [{from: preview-secrets/ghcr-pull}]",
            rbac: try FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml", "deploy/examples/preview-secrets-rbac.yaml"]))
        defer { Task { await h.stop() } }
        try await h.fakeKube.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "preview-secrets"]])
        try await Self.seedSource(h, "first-credential")
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)
        let source = try #require(await h.fakeKube.object(Self.source))
        let copied = try #require(await h.fakeKube.object(Self.copy(1)))
        #expect(copied["type"] == "kubernetes.io/dockerconfigjson")
        #expect(copied["data"] == source["data"])
        #expect(copied.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == "sandcastle")
        let environment = try #require(await h.environment(1))
        let secretText = try #require(source["data"]?.object?[".dockerconfigjson"]?.string)
        #expect(!ManifestValue.object(environment).canonicalJSON.contains(secretText), "no secret data on the PreviewEnvironment")

        // The platform team rotates the credential: the copy follows (through the watch).
        try await settle(instance)
        try await Self.seedSource(h, "rotated-credential")
        let rotated = try #require(await h.fakeKube.object(Self.source))["data"]
        try await eventually("the copy follows its source", timeout: .seconds(10)) { await h.fakeKube.object(Self.copy(1))?["data"] == rotated }

        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("the preview and its copy are gone") { await h.isGone(1) }
        #expect(await h.fakeKube.object(Self.copy(1)) == nil)
        #expect(await h.fakeKube.object(Self.source) != nil, "the source is never touched")
        try await settle(instance)
    }

    @Test func aForkPRGetsNoCopiedSecret() async throws {
        let h = try await ControllerHarness.start(allowForks: true, repositoryExtra: "    secrets: [{from: preview-secrets/ghcr-pull}]")
        defer { Task { await h.stop() } }
        try await h.fakeKube.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "preview-secrets"]])
        try await Self.seedSource(h, "credential")
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(2, sha: sha, fork: true)
        try await h.deliver("opened", pr: 2, to: instance)
        try await eventually("the fork's preview is Ready") { await h.isReady(2, at: sha) }
        #expect(await h.fakeKube.object(Self.copy(2)) == nil)
        #expect(await h.fakeKube.object(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-2-shop", name: "sandcastle-preview")) != nil)
        try await settle(instance)
    }

    @Test func anHTTPRoutesStatusGatesReadiness() async throws {
        let simulation = {
            var s = WorkloadSimulation(readyAfter: 0.2); s.gatewayAccepts = false; return s
        }()
        let h = try await ControllerHarness.start(
            simulation: simulation,
            repositoryExtra: """
                    expose: [{service: shop, port: 80}]
                    route: {kind: httproute, parentRefs: [{name: shared, namespace: gateway-system}]}
                """)
        defer { Task { await h.stop() } }
        await h.fakeKube.addType(
            .init(group: "gateway.networking.k8s.io", version: "v1", kind: "HTTPRoute", plural: "httproutes", namespaced: true, hasStatus: true))
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        let route = ResourceRef(apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "pr-1-shop", name: "sandcastle-route-shop")
        try await eventually("GitHub hears why the route does not carry traffic") {
            await Self.deployStatus(h, sha)?.description?.contains(
                "HTTPRoute/sandcastle-route-shop: Accepted is false at Gateway shared: NotAllowedByListeners") == true
        }
        #expect(await Self.deployStatus(h, sha)?.state == "pending")
        #expect(await h.environment(1)?.value(at: "status.phase")?.string == "Deploying", "the Deployment alone is not Ready")

        // The Gateway's listener is fixed: the gateway controller accepts the route.
        var accepted = try #require(await h.fakeKube.object(route))
        var parents = accepted.value(at: "status.parents")?.array ?? []
        var parent = try #require(parents.first?.object)
        parent["conditions"] = [
            [
                "type": "Accepted", "status": "True", "reason": "Accepted", "message": "Route is accepted",
                "lastTransitionTime": "2026-12-01T00:00:00Z",
            ],
            [
                "type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": "Resolved",
                "lastTransitionTime": "2026-12-01T00:00:00Z",
            ],
        ]
        parents[0] = .object(parent)
        accepted.set(.array(parents), at: "status.parents")
        let before = ContinuousClock.now
        try await h.fakeKube.seed(accepted)
        try await eventually("Ready once the route is accepted") { await Self.deployStatus(h, sha)?.state == "success" }
        #expect(ContinuousClock.now - before < latencyBound(.seconds(2)), "noticed through the watch, not a 30-second recheck")
        try await settle(instance)
    }
}
