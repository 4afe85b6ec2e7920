import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle apply`, `get` and `teardown` against the fake API server over real HTTP.
@Suite struct ClusterCLITests {
    static let root = repositoryRoot(from: #filePath)
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    @Test func applyGetAndTeardownOnePreview() async throws {
        let server = try await FakeKubernetesServer.start()
        await server.kubernetes.requireBearerToken(["cli-token"])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kubeconfig": server.kubeconfig(token: "cli-token")])
        let apply = [
            "apply", "-c", Self.root + "/examples/sandcastle.yaml", "--repo", "acme/blog", "--pr", "7", "--sha", Self.sha,
            "--bundle", Self.root + "/examples/blog/deploy/preview", "--kubeconfig", dir.path + "/kubeconfig",
        ]
        let first = try await SandcastleExecutable.run(apply)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("acme/blog#7: applied"))
        let objects = await server.kubernetes.leftovers()
        #expect(objects.count > 8)
        #expect(objects.allSatisfy { $0.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == Ownership.managedByValue })

        let second = try await SandcastleExecutable.run(apply)
        #expect(second.status == 0)
        #expect(second.stdout.contains("unchanged"))

        let get = try await SandcastleExecutable.run(["get", "--kubeconfig", dir.path + "/kubeconfig"])
        #expect(get.status == 0, "\(get.stderr)")
        let lines = get.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("REPO") == true)
        #expect(lines.count == 2)
        // `sandcastle apply` applies; only the controller, watching the workloads, says Ready.
        #expect(lines[1].contains("acme/blog") && lines[1].contains("Deploying") && lines[1].contains("0123456"))
        #expect(lines.first?.contains("PHASE") == true && lines.first?.contains("REASON") == true)
        #expect(lines[1].contains("objects at 0123456789ab; waiting"), "the status message, as kubectl get previews shows it")

        let teardown = try await SandcastleExecutable.run([
            "teardown", "-c", Self.root + "/examples/sandcastle.yaml", "--repo", "acme/blog", "--pr", "7", "--kubeconfig", dir.path + "/kubeconfig",
        ])
        #expect(teardown.status == 0, "\(teardown.stderr)")
        #expect(teardown.stdout.contains("are gone"))
        #expect(await server.kubernetes.leftovers().isEmpty)
        // The CLI's status writes are the planner's records: the lifecycle field manager only.
        let lifecycle = await server.kubernetes.requests.filter {
            $0.method == "PATCH" && $0.path.hasSuffix("/status") && String(decoding: $0.body, as: UTF8.self).contains("\"phase\"")
        }
        #expect(!lifecycle.isEmpty && lifecycle.allSatisfy { $0.query.contains("fieldManager=sandcastle-lifecycle") }, "\(lifecycle.map(\.query))")
        let empty = try await SandcastleExecutable.run(["get", "--kubeconfig", dir.path + "/kubeconfig"])
        #expect(empty.stdout == "No previews.\n")
        await server.stop()
    }

    /// `sandcastle apply` and `teardown` with `sink.kind: argocd`: the AppProject and Application are
    /// written; teardown removes the Application (Argo CD prunes), then the AppProject, then the namespace.
    @Test func applyAndTeardownThroughArgoCD() async throws {
        let server = try await FakeKubernetesServer.start()
        try await server.kubernetes.simulateGitOps(GitOpsSimulation(syncAfter: 0.2, pruneAfter: 0.5))
        _ = try await server.kubernetes.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "argocd"]])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kubeconfig": server.kubeconfig()])
        let config = ["-c", Self.root + "/examples/gitops/argocd.yaml", "--repo", "acme/shop", "--pr", "7", "--kubeconfig", dir.path + "/kubeconfig"]
        let apply = try await SandcastleExecutable.run(["apply"] + config + ["--sha", Self.sha, "--bundle", Self.root])
        #expect(apply.status == 0, "\(apply.stderr)")
        let application = ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "pr-7-shop")
        let project = ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "AppProject", namespace: "argocd", name: "pr-7-shop")
        #expect(await server.kubernetes.object(application)?.value(at: "spec.project") == "pr-7-shop")
        #expect(await server.kubernetes.object(project) != nil)
        let teardown = try await SandcastleExecutable.run(["teardown"] + config)
        #expect(teardown.status == 0, "\(teardown.stdout)\(teardown.stderr)")
        #expect(await server.kubernetes.object(application) == nil)
        #expect(await server.kubernetes.object(project) == nil)
        #expect(await server.kubernetes.object(ResourceRef(apiVersion: "v1", kind: "Namespace", name: "pr-7-shop")) == nil)
        await server.stop()
    }

    @Test func aBadKubeconfigOrAnUnreachableServerIsAClearError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["broken": "apiVersion: v1\nkind: Config\ncurrent-context: missing\n"])
        let broken = try await SandcastleExecutable.run(["get", "--kubeconfig", dir.path + "/broken"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("\(dir.path)/broken: contexts: no entry named 'missing'"))
        let nothing = try await SandcastleExecutable.run(["get", "--kubeconfig", dir.path + "/absent"])
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("cannot read the file"))
        try dir.write([
            "unreachable":
                "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        ])
        let unreachable = try await SandcastleExecutable.run(["get", "--kubeconfig", dir.path + "/unreachable"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("GET /apis/sandcastle.dev/v1alpha1: no response"))
        #expect(!unreachable.stderr.contains("token: t"))
    }
}
