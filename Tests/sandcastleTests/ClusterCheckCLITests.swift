import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// `sandcastle cluster check` against the fake API server, whose RBAC is what `deploy/rbac.yaml`
/// grants (or less), answering SelfSubjectAccessReviews and dry-run writes as a real server does.
@Suite struct ClusterCheckCLITests {
    static let root = repositoryRoot(from: #filePath)
    static let user = "system:serviceaccount:sandcastle-system:sandcastle"

    /// The rules deploy/rbac.yaml grants the controller's service account.
    static func deployedRules() throws -> [FakeRBACRule] { try FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml"]) }

    /// The rules of deploy/rbac.yaml plus an example file of deploy/examples.
    static func rules(with example: String) throws -> [FakeRBACRule] {
        try FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml", "deploy/examples/" + example])
    }

    static func check(_ fake: FakeKubernetes, config: String? = nil) async throws -> Subprocess.Result {
        let server = try await FakeKubernetesServer.start(fake)
        try await fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kubeconfig": server.kubeconfig()])
        let result = try await SandcastleExecutable.run(
            ["cluster", "check", "--kubeconfig", dir.path + "/kubeconfig", "--lease-namespace", "sandcastle-system"]
                + (config.map { ["--config", root + "/" + $0] } ?? []))
        await server.stop()
        return result
    }

    @Test func everythingTheDeployedRBACGrantsIsEnough() async throws {
        let fake = FakeKubernetes()
        await fake.restrictAccess(user: Self.user, rules: try Self.deployedRules())
        let result = try await Self.check(fake)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok   PreviewEnvironment CRD: installed (sandcastle.dev/v1alpha1, cluster-scoped)"))
        #expect(result.stdout.contains("ok   leases.coordination.k8s.io in namespace sandcastle-system: get, create, update"))
        #expect(result.stdout.contains("ok   Lease sandcastle-system/sandcastle-controller: can be created (dry run)"))
        #expect(!result.stdout.contains("FAIL"))
        #expect(await fake.allObjects(namespace: "sandcastle-system").isEmpty, "a dry run stores nothing")
    }

    @Test(arguments: [
        ("examples/gitops/flux.yaml", "flux-sink-rbac.yaml", "kustomizations.kustomize.toolkit.fluxcd.io in namespace flux-system"),
        ("examples/gitops/argocd.yaml", "argocd-sink-rbac.yaml", "applications.argoproj.io in namespace argocd"),
    ])
    func aGitOpsSinkNeedsItsExampleRBAC(config: String, example: String, line: String) async throws {
        let granted = FakeKubernetes()
        await granted.restrictAccess(user: Self.user, rules: try Self.rules(with: example))
        let ok = try await Self.check(granted, config: config)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("ok   \(line): get, list, watch, create, patch, delete"), "\(ok.stdout)")
        if example.hasPrefix("flux") {
            #expect(ok.stdout.contains("ok   clusterroles.rbac.authorization.k8s.io sandcastle-flux-deployer (cluster-wide): bind"), "\(ok.stdout)")
        }
        let base = FakeKubernetes()
        await base.restrictAccess(user: Self.user, rules: try Self.deployedRules())
        let missing = try await Self.check(base, config: config)
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("FAIL \(line): not allowed to get, list, watch, create, patch, delete"), "\(missing.stdout)")
    }

    @Test func bindIsGrantedForTheDeployerRoleOnly() async throws {
        let fake = FakeKubernetes()
        await fake.restrictAccess(user: Self.user, rules: try Self.rules(with: "flux-sink-rbac.yaml"))
        let server = try await FakeKubernetesServer.start(fake)
        let client = try KubernetesClient(config: KubeConfig(server: server.url))
        #expect(try await client.mayI("bind", "clusterroles", group: "rbac.authorization.k8s.io", namespace: nil, name: "sandcastle-flux-deployer"))
        #expect(try await !client.mayI("bind", "clusterroles", group: "rbac.authorization.k8s.io", namespace: nil, name: "cluster-admin"))
        try await client.shutdown()
        await server.stop()
    }

    @Test func withoutCreateOnLeasesTheCheckSaysSoInWords() async throws {
        let fake = FakeKubernetes()
        let rules = try Self.deployedRules().map { rule in
            var rule = rule
            if rule.resources == ["leases"] { rule.verbs.removeAll { $0 == "create" } }
            return rule
        }
        await fake.restrictAccess(user: Self.user, rules: rules)
        let result = try await Self.check(fake)
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "FAIL leases.coordination.k8s.io in namespace sandcastle-system: not allowed to create (needs get, create, update)"),
            "\(result.stdout)")
        #expect(result.stdout.contains("FAIL Lease sandcastle-system/sandcastle-controller: cannot be written, so this replica would never lead: "))
        #expect(result.stdout.contains(#"cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "sandcastle-system""#))
        #expect(result.stdout.contains("ok   namespaces (cluster-wide)"))
    }

    @Test func withoutTheCRDTheCheckSaysHowToInstallIt() async throws {
        let result = try await Self.check(FakeKubernetes(types: FakeKubernetes.typesWithoutCRD))
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "FAIL PreviewEnvironment CRD: not installed: the API server does not serve sandcastle.dev/v1alpha1; run kubectl apply -f deploy/crds/"
            ),
            "\(result.stdout)")
        #expect(result.stdout.contains("ok   Lease sandcastle-system/sandcastle-controller"))
    }

    @Test func anUnreachableServerIsOneClearLine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "kubeconfig": """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """
        ])
        let result = try await SandcastleExecutable.run(["cluster", "check", "--kubeconfig", dir.path + "/kubeconfig"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("FAIL API server: http://127.0.0.1:9 does not answer: "), "\(result.stdout)")
    }
}
