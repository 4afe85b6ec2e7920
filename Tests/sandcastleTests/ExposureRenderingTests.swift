import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// What Sandcastle renders so a preview is reachable and knows itself — routes (Ingress or
/// HTTPRoute), the identity ConfigMap, copied and external Secrets, scheduling — compared with
/// golden files and validated against the official schemas: Kubernetes' for the built-in kinds
/// (`kubernetes-validate`), the Gateway API's published HTTPRoute schema (the subset in
/// `Fixtures/gateway-api`) for HTTPRoutes.
@Suite struct ExposureRenderingTests {
    static let root = repositoryRoot(from: #filePath)
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func config(route: String) throws -> SandcastleConfig {
        try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            defaults:
              domain: preview.acme.dev
            repositories:
              - name: acme/scout
                bundle: {kind: manifests}
                images: [{name: ghcr.io/acme/scout, digest: "sha256:\(String(repeating: "5", count: 64))"}]
                expose:
                  - {service: scout, port: 80}
                  - {service: omni, port: 8080, host: "omni-{{ repo }}-pr-{{ number }}"}
                route: \(route)
                secrets:
                  - {from: preview-secrets/ghcr-pull}
                  - {from: preview-secrets/scout-token, name: scout-api-token, allowForks: true}
                externalSecrets:
                  - name: scout-db
                    storeRef: {name: vault, kind: ClusterSecretStore}
                    data: [{secretKey: password, remoteKey: "previews/{{ repo }}/pr-{{ number }}", property: password}]
                scheduling:
                  nodeSelector: {cloud.google.com/gke-spot: "true"}
                  tolerations: [{key: cloud.google.com/gke-spot, operator: Equal, value: "true", effect: NoSchedule}]
                  priorityClassName: preview
            """, file: "exposure.yaml")
    }

    static let ingressRoute =
        "{kind: ingress, ingressClassName: nginx, tlsSecretName: wildcard-preview-tls, annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 8m}}"
    static let gatewayRoute = "{kind: httproute, parentRefs: [{name: shared, namespace: gateway-system, sectionName: https}]}"

    static let bundle = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: scout}
        spec:
          selector: {matchLabels: {app: scout}}
          template:
            metadata: {labels: {app: scout}}
            spec:
              containers: [{name: scout, image: "ghcr.io/acme/scout:main", envFrom: [{configMapRef: {name: sandcastle-preview}}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: scout}
        spec: {selector: {app: scout}, ports: [{port: 80, targetPort: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: omni}
        spec: {selector: {app: scout}, ports: [{port: 8080}]}
        """

    static func render(route: String, fork: Bool = false) throws -> RenderedPreview {
        let config = try config(route: route)
        let repository = try #require(config.repositories.first)
        var context = RenderContext(key: PreviewKey(repository: repository.name, number: 42), sha: sha, settings: repository.settings)
        context.fromFork = fork
        let bundle = try ManifestYAML.parseDocuments(Self.bundle).compactMap(\.object).map { Manifest(object: $0, source: "app.yaml") }
        return try Renderer().assemble(bundle, context: context)
    }

    @Test func ingressExposureMatchesGoldenAndTheKubernetesSchemas() async throws {
        let rendered = try Self.render(route: Self.ingressRoute)
        try expectGolden(rendered.yamlStream, "exposure-ingress.yaml")
        let ingress = try #require(rendered.objects.first { $0.kind == "Ingress" })
        let hosts = (ingress.object.value(at: "spec.rules")?.array ?? []).compactMap { $0.object?["host"]?.string }
        #expect(hosts == ["scout-pr-42.preview.acme.dev", "omni-scout-pr-42.preview.acme.dev"])
        #expect(ingress.metadata["labels"]?.object?[PreviewExposure.routeLabel] == "true")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var files: [String] = []
        for (index, object) in rendered.objects.enumerated() where object.group != "external-secrets.io" {
            let path = dir.path + "/\(index).json"
            try Data(object.canonicalJSONBytes).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        for version in ["1.27.0", "1.32.0"] {
            let result = try await Subprocess.runDetached(
                "/usr/bin/env", ["python3", "-m", "kubernetes_validate", "--strict", "--quiet", "-k", version] + files)
            if result.stderr.contains("No module named kubernetes_validate") {
                Issue.record("kubernetes-validate is not installed: run scripts/test.sh")
            }
            #expect(result.status == 0, "kubernetes-validate \(version): \(result.stdout) \(result.stderr)")
        }
    }

    @Test func httpRouteExposureMatchesGoldenAndTheGatewayAPISchema() async throws {
        let rendered = try Self.render(route: Self.gatewayRoute)
        try expectGolden(rendered.yamlStream, "exposure-httproute.yaml")
        let routes = rendered.objects.filter { $0.kind == "HTTPRoute" }
        #expect(routes.map(\.name) == ["sandcastle-route-omni", "sandcastle-route-scout"])
        #expect(!rendered.objects.contains { $0.kind == "Ingress" })
        // The Gateway's namespace may reach the preview's pods.
        let allow = try #require(rendered.objects.first { $0.name == "sandcastle-allow-ingress-controller" })
        #expect(allow.canonicalJSON.contains("\"kubernetes.io/metadata.name\":\"gateway-system\""))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var files: [String] = []
        for route in routes {
            let path = dir.path + "/\(route.name).json"
            try Data(route.canonicalJSONBytes).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let result = try await Self.checkAgainstGatewaySchema(files)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        // The checker itself rejects what the published schema rejects (a named backend port).
        var bad = try #require(routes.first).object
        bad.set(["rules": [["backendRefs": [["name": "scout", "port": "http"]]]]], at: "spec")
        try Data(ManifestValue.object(bad).canonicalJSONBytes).write(to: URL(fileURLWithPath: dir.path + "/bad.json"))
        #expect(try await Self.checkAgainstGatewaySchema([dir.path + "/bad.json"]).status == 1)
    }

    /// The fake API server's stand-in for a Gateway controller writes what the published schema allows.
    @Test func theFakeGatewayControllersRouteStatusMatchesTheGatewayAPISchema() async throws {
        let fake = FakeKubernetes()
        await fake.addType(
            .init(group: "gateway.networking.k8s.io", version: "v1", kind: "HTTPRoute", plural: "httproutes", namespaced: true, hasStatus: true))
        await fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0))
        let route = try #require(try Self.render(route: Self.gatewayRoute).objects.first { $0.kind == "HTTPRoute" })
        try await fake.seed(route.object)
        try await Task.sleep(for: .milliseconds(200))
        let stored = try #require(await fake.object(ResourceRef(route.object)))
        #expect(RouteReadiness.judge(stored) == .ready)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var body = stored
        body["metadata"] = ["name": .string(route.name)]
        try Data(ManifestValue.object(body).canonicalJSONBytes).write(to: URL(fileURLWithPath: dir.path + "/route.json"))
        let result = try await Self.checkAgainstGatewaySchema([dir.path + "/route.json"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    }

    static func checkAgainstGatewaySchema(_ files: [String]) async throws -> Subprocess.Result {
        let schema = root + "/Sources/SandcastleTestSupport/Fixtures/gateway-api/httproute-v1.schema.json"
        let result = try await Subprocess.runDetached("/usr/bin/env", ["python3", root + "/scripts/check-crd-objects.py", schema] + files)
        if result.stderr.contains("No module named 'jsonschema'") { Issue.record("jsonschema is not installed: run scripts/test.sh") }
        return result
    }

    @Test func theIdentityConfigMapNamesThePreviewAndEveryExposedURL() throws {
        let rendered = try Self.render(route: Self.ingressRoute)
        let identity = try #require(rendered.objects.first { $0.name == PreviewExposure.identityName })
        #expect(
            identity.object["data"]
                == .strings([
                    "PREVIEW_URL": "https://scout-pr-42.preview.acme.dev", "PREVIEW_HOST": "scout-pr-42.preview.acme.dev",
                    "PREVIEW_NAMESPACE": "pr-42-scout", "PREVIEW_REPOSITORY": "acme/scout", "PREVIEW_PR": "42", "PREVIEW_SHA": Self.sha,
                    "PREVIEW_URL_OMNI": "https://omni-scout-pr-42.preview.acme.dev",
                ]))
    }

    @Test func copiedSecretsArePlaceholdersAndAForkGetsOnlyThoseAllowed() throws {
        let secrets = try Self.render(route: Self.ingressRoute).objects.filter { $0.kind == "Secret" }
        #expect(secrets.map(\.name) == ["ghcr-pull", "scout-api-token"])
        #expect(secrets.allSatisfy { $0.object["data"] == nil }, "no data in the render: the sink copies it at apply")
        #expect(secrets.first?.metadata["annotations"]?.object?[PreviewExposure.copyFromAnnotation] == "preview-secrets/ghcr-pull")
        let forked = try Self.render(route: Self.ingressRoute, fork: true).objects.filter { $0.kind == "Secret" }
        #expect(forked.map(\.name) == ["scout-api-token"])
    }

    @Test func schedulingReachesEveryPodTemplate() throws {
        let deployment = try #require(try Self.render(route: Self.ingressRoute).objects.first { $0.kind == "Deployment" })
        #expect(deployment.object.value(at: "spec.template.spec.priorityClassName") == "preview")
        #expect(deployment.object.value(at: "spec.template.spec.nodeSelector") == ["cloud.google.com/gke-spot": "true"])
        #expect(deployment.object.value(at: "spec.template.spec.tolerations")?.array?.count == 1)
    }

    @Test func aBundleRouteMayUseAnExposedHostButNotAnotherPreviews() throws {
        let config = try Self.config(route: Self.ingressRoute)
        let settings = try #require(config.repositories.first).settings
        let context = RenderContext(
            key: PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 42), sha: Self.sha, settings: settings)
        func ingress(_ host: String) -> Manifest {
            Manifest(
                object: [
                    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "extra"],
                    "spec": [
                        "rules": [
                            [
                                "host": .string(host),
                                "http": [
                                    "paths": [
                                        ["path": "/api", "pathType": "Prefix", "backend": ["service": ["name": "omni", "port": ["number": 8080]]]]
                                    ]
                                ],
                            ]
                        ]
                    ],
                ], source: "extra.yaml")
        }
        _ = try Renderer().assemble([ingress("omni-scout-pr-42.preview.acme.dev")], context: context)
        #expect(throws: RenderError.self) { try Renderer().assemble([ingress("omni-scout-pr-43.preview.acme.dev")], context: context) }
    }
}
