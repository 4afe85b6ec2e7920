import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle argocd project`: the least-privilege AppProject for previews.
@Suite struct ArgoCDProjectTests {
    static let root = repositoryRoot(from: #filePath)

    @Test func theExampleConfigurationsProjectAllowsOnlyPreviewNamespacesAndTheBundlesKinds() throws {
        let result = try SandcastleExecutable.run(["argocd", "project", "-c", Self.root + "/examples/sandcastle.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let project = try #require(try ManifestYAML.parseDocuments(result.stdout).first?.object)
        #expect(project["kind"] == "AppProject" && project.value(at: "metadata.namespace") == "argocd")
        #expect(project.value(at: "spec.destinations") == [["server": "https://kubernetes.default.svc", "namespace": "pr-*"]])
        #expect(project.value(at: "spec.clusterResourceWhitelist") == [], "no cluster-scoped resources")
        #expect(project.value(at: "spec.sourceRepos") == ["https://github.com/acme/blog.git", "https://github.com/acme/shop.git"])
        let kinds = (project.value(at: "spec.namespaceResourceWhitelist")?.array ?? []).compactMap { $0.object?["kind"]?.string }
        #expect(kinds.contains("Deployment") && !kinds.contains("ClusterRole") && !kinds.contains("Namespace"))
        // The baselines are Sandcastle's, never the engine's: a bundle cannot replace its quota or network policy.
        #expect(kinds.allSatisfy { !["NetworkPolicy", "ResourceQuota", "LimitRange"].contains($0) }, "\(kinds)")
    }

    @Test func enterpriseHostsCustomKindsAndRoutesAreFollowed() throws {
        let config = try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            forge: {github: {apiURL: "https://git.example.com/api/v3", token: {env: T}}}
            repositories:
              - name: acme/scout
                namespaceTemplate: "preview-{{ number }}-{{ repo }}"
                bundle: {allowedKinds: [Deployment, Service, example.com/Widget]}
                expose: [{service: scout, port: 80}]
                route: {kind: httproute, parentRefs: [{name: shared, namespace: gateway-system}]}
            """, file: "argocd.yaml")
        let project = ArgoCDProject.object(for: config, name: "scout-previews", namespace: "gitops")
        #expect(project.value(at: "spec.sourceRepos") == ["https://git.example.com/acme/scout.git"])
        #expect(project.value(at: "spec.destinations")?.array?.first?.object?["namespace"] == "preview-*")
        let entries = (project.value(at: "spec.namespaceResourceWhitelist")?.array ?? []).compactMap(\.object)
        #expect(entries.contains { $0["kind"] == "Widget" && $0["group"] == "example.com" }, "a custom kind in its own group")
        #expect(!entries.contains { $0["kind"] == "HTTPRoute" }, "Sandcastle renders the route itself")
        #expect(!entries.contains { $0["kind"] == "Ingress" })
    }

    @Test func badNamesAreRefused() throws {
        let result = try SandcastleExecutable.run(["argocd", "project", "-c", Self.root + "/examples/sandcastle.yaml", "--namespace", "Argo CD"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--name and --namespace must be lowercase DNS labels"), "\(result.stderr)")
    }
}
