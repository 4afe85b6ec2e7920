import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle render --sink argocd|flux`, `sandcastle flux role` and `sandcastle argocd project`
/// for the GitOps examples: what Sandcastle would create, for review without a cluster.
@Suite struct GitOpsRenderingTests {
    static let root = repositoryRoot(from: #filePath)
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func render(_ config: String, repo: String, sink: String? = nil) throws -> (text: String, objects: [ManifestObject]) {
        var arguments = ["render", "-c", root + "/examples/gitops/" + config, "--repo", repo, "--pr", "7", "--sha", sha, "--bundle", root]
        if let sink { arguments += ["--sink", sink] }
        let result = try SandcastleExecutable.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return (result.stdout, try ManifestYAML.parseDocuments(result.stdout).compactMap(\.object))
    }

    static func object(_ objects: [ManifestObject], _ kind: String) -> ManifestObject? { objects.first { $0["kind"]?.string == kind } }

    @Test func argoCDHelmChartFromTheRepository() throws {
        let (text, objects) = try Self.render("argocd.yaml", repo: "acme/scout")
        try expectGolden(text, "gitops-argocd-scout.yaml")
        let application = try #require(Self.object(objects, "Application"))
        #expect(application.value(at: "metadata.namespace") == "argocd")
        let source = try #require(application.value(at: "spec.sources")?.array?.first?.object)
        #expect(source["repoURL"] == "https://github.com/acme/scout.git")
        #expect(source["targetRevision"]?.string == Self.sha)
        #expect(source["helm"]?.object?["valueFiles"] == ["values-preview.yaml"])
        #expect(source["helm"]?.object?["valuesObject"]?.object?["image"]?.object?["tag"]?.string == "pr-7-\(Self.sha)")
        #expect(source["helm"]?.object?["valuesObject"]?.object?["preview"]?.object?["number"] == 7)
        // Baselines are Sandcastle's; the bundle is not rendered here (Argo CD renders the chart).
        let kinds = Set(objects.compactMap { $0["kind"]?.string })
        #expect(kinds.isSuperset(of: ["Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "Application"]))
        #expect(!kinds.contains("Deployment"))
    }

    @Test func fluxKustomizationWithPinnedImages() throws {
        let (text, objects) = try Self.render("flux.yaml", repo: "acme/shop")
        try expectGolden(text, "gitops-flux-shop.yaml")
        let kustomization = try #require(Self.object(objects, "Kustomization"))
        #expect(
            kustomization.value(at: "spec.images") == [
                ["name": "ghcr.io/acme/shop", "digest": "sha256:4b3b4c8e8f1a9d2c7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"]
            ])
        #expect(kustomization.value(at: "spec.interval") == "5m" && kustomization.value(at: "spec.timeout") == "10m")
        #expect(Self.object(objects, "GitRepository")?.value(at: "spec.ref.commit")?.string == Self.sha)
        #expect(Self.object(objects, "HelmRelease") == nil)
    }

    @Test func fluxHelmReleaseFromAnOCIChart() throws {
        let (_, objects) = try Self.render("flux.yaml", repo: "acme/api")
        let release = try #require(Self.object(objects, "HelmRelease"))
        #expect(release.value(at: "spec.chartRef") == ["kind": "OCIRepository", "name": "pr-7-api"])
        #expect(release.value(at: "spec.values.image.tag")?.string == "sha-\(Self.sha)")
        let repository = try #require(Self.object(objects, "OCIRepository"))
        #expect(repository.value(at: "spec.url") == "oci://ghcr.io/acme/charts/api")
        #expect(repository.value(at: "spec.ref.tag") == "2.4.1")
        #expect(Self.object(objects, "GitRepository") == nil, "the chart does not come from the PR's repository")
    }

    @Test func theSinkCanBeChosenOnTheCommandLine() throws {
        let (_, objects) = try Self.render("argocd.yaml", repo: "acme/shop", sink: "flux")
        #expect(Self.object(objects, "Kustomization")?.value(at: "metadata.namespace") == "flux-system")
        #expect(Self.object(objects, "Application") == nil)
        let refused = try SandcastleExecutable.run([
            "render", "-c", Self.root + "/examples/gitops/argocd.yaml", "--repo", "acme/shop", "--pr", "7", "--sha", Self.sha, "--bundle", Self.root,
            "--sink", "cluster",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--sink takes argocd or flux"), "\(refused.stderr)")
    }

    @Test func fluxRoleAllowsThePreviewKindsAndNothingClusterScoped() throws {
        let result = try SandcastleExecutable.run(["flux", "role", "-c", Self.root + "/examples/gitops/flux.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let role = try #require(try ManifestYAML.parseDocuments(result.stdout).first?.object)
        #expect(role["kind"] == "ClusterRole" && role.value(at: "metadata.name") == "sandcastle-flux-deployer")
        let rules = (role["rules"]?.array ?? []).compactMap(\.object)
        let resources = Set(rules.flatMap { ($0["resources"]?.array ?? []).compactMap(\.string) })
        #expect(resources.isSuperset(of: ["deployments", "services", "configmaps", "secrets", "ingresses", "jobs"]))
        #expect(resources.isDisjoint(with: ["resourcequotas", "limitranges", "networkpolicies"]), "the baselines are Sandcastle's: \(resources)")
        #expect(
            resources.isDisjoint(with: ["namespaces", "clusterroles", "clusterrolebindings", "customresourcedefinitions", "roles", "rolebindings"]))
        #expect(!rules.contains { $0["apiGroups"] == ["*"] && $0["resources"] == ["*"] })
    }

    @Test func theAppProjectFollowsTheSinkAndItsSources() throws {
        let result = try SandcastleExecutable.run(["argocd", "project", "-c", Self.root + "/examples/gitops/argocd.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let project = try #require(try ManifestYAML.parseDocuments(result.stdout).first?.object)
        #expect(project.value(at: "metadata.name") == "previews")
        #expect(
            project.value(at: "spec.sourceRepos") == [
                "https://github.com/acme/gitops.git", "https://github.com/acme/scout.git", "https://github.com/acme/shop.git",
            ])
    }

    @Test func validateSaysWhichEngineSyncsThePreviews() throws {
        let argocd = try SandcastleExecutable.run(["validate", "-c", Self.root + "/examples/gitops/argocd.yaml"])
        #expect(argocd.status == 0, "\(argocd.stderr)")
        #expect(argocd.stdout.contains("sink argocd: an Application per preview in namespace argocd, each in its own AppProject"), "\(argocd.stdout)")
        #expect(argocd.stdout.contains("bundle deploy/chart (helm)"))
        let flux = try SandcastleExecutable.run(["validate", "-c", Self.root + "/examples/gitops/flux.yaml"])
        #expect(flux.stdout.contains("sink flux: sources and a Kustomization or HelmRelease per preview in namespace flux-system"), "\(flux.stdout)")
    }
}
