import SandcastleCore
import Testing

/// The engine objects for each bundle kind and chart source.
@Suite struct GitOpsObjectsTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func rendered(sink: String, bundle: String) throws -> RenderedPreview {
        let config = try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            forge: {github: {apiURL: "https://git.example.com/api/v3", token: {env: T}}}
            sink: \(sink)
            defaults: {domain: preview.acme.dev}
            repositories:
              - name: acme/api
                bundle: \(bundle)
            """, file: "gitops.yaml")
        let context = RenderContext(
            key: PreviewKey(repository: RepositoryName(parsing: "acme/api")!, number: 3), sha: Self.sha, settings: config.repositories[0].settings)
        return try Renderer(engine: GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL)).render(
            context, bundleDirectory: "/nonexistent")
    }

    static func engine(_ preview: RenderedPreview, _ kind: String) -> ManifestObject? {
        preview.engineObjects.first { $0.kind == kind }?.object
    }

    @Test func argoCDTakesAnOCIChartWithoutItsSchemeAndTheEnterpriseCloneURL() throws {
        let chart = try Self.rendered(
            sink: "{kind: argocd}",
            bundle: "{kind: helm, helm: {chart: {repository: 'oci://ghcr.io/acme/charts', name: api, version: 2.4.1}, values: {replicas: '1'}}}")
        let source = try #require(Self.engine(chart, "Application")?.value(at: "spec.sources")?.array?.first?.object)
        #expect(source["repoURL"] == "ghcr.io/acme/charts")
        #expect(source["chart"] == "api" && source["targetRevision"] == "2.4.1")
        #expect(source["helm"]?.object?["valuesObject"]?.object?["replicas"] == "1")
        let manifests = try Self.rendered(sink: "{kind: argocd}", bundle: "{kind: manifests}")
        let plain = try #require(Self.engine(manifests, "Application")?.value(at: "spec.sources")?.array?.first?.object)
        #expect(plain["repoURL"] == "https://git.example.com/acme/api.git")
        #expect(plain["directory"] == ["recurse": true])
        #expect(Self.engine(manifests, "Application")?.value(at: "spec.sources")?.array?.count == 1, "no GitOps source unless configured")
    }

    @Test func fluxTakesAChartFromAHelmRepository() throws {
        let preview = try Self.rendered(
            sink: "{kind: flux, flux: {namespace: gitops, secretRef: clone-token}}",
            bundle: "{kind: helm, helm: {chart: {repository: 'https://charts.acme.dev', name: api, version: 1.2.3}}}")
        let repository = try #require(Self.engine(preview, "HelmRepository"))
        #expect(repository.value(at: "spec.url") == "https://charts.acme.dev")
        #expect(repository.value(at: "metadata.namespace") == "gitops")
        let release = try #require(Self.engine(preview, "HelmRelease"))
        #expect(
            release.value(at: "spec.chart.spec") == [
                "chart": "api", "version": "1.2.3", "sourceRef": ["kind": "HelmRepository", "name": "pr-3-api"],
            ])
        #expect(Self.engine(preview, "GitRepository") == nil)
        #expect(Self.engine(preview, "ServiceAccount") != nil)
    }

    @Test func fluxClonesAPrivateRepositoryWithTheConfiguredSecret() throws {
        let preview = try Self.rendered(sink: "{kind: flux, flux: {secretRef: clone-token, interval: 1d}}", bundle: "{kind: kustomize}")
        let source = try #require(Self.engine(preview, "GitRepository"))
        #expect(source.value(at: "spec.secretRef") == ["name": "clone-token"])
        #expect(source.value(at: "spec.interval") == "24h", "Go durations have no days")
        #expect(preview.objects.contains { $0.kind == "RoleBinding" && $0.namespace == "pr-3-api" })
    }

    @Test func theContentHashCoversTheEngineObjects() throws {
        let a = try Self.rendered(sink: "{kind: argocd, argocd: {project: a}}", bundle: "{kind: manifests}")
        let b = try Self.rendered(sink: "{kind: argocd, argocd: {project: b}}", bundle: "{kind: manifests}")
        #expect(a.contentHash != b.contentHash, "a changed Application is applied again")
    }

    @Test func pluralsFollowTheAPIServersNames() {
        #expect(FluxDeployerRole.plural(of: "NetworkPolicy") == "networkpolicies")
        #expect(FluxDeployerRole.plural(of: "Ingress") == "ingresses")
        #expect(FluxDeployerRole.plural(of: "Deployment") == "deployments")
        #expect(FluxDeployerRole.plural(of: "Gateway") == "gateways")
    }
}
