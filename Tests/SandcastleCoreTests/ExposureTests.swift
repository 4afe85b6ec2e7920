import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// A bundle may route only its own hosts, may not expose the preview outside the cluster, and may
/// not supply or replace what Sandcastle renders. Each refusal names the object, field and rule.
@Suite struct ExposureTests {
    static var host: String { PreviewNames(key: Make.key(1), settings: BundleErrorTests.manifests).host }

    static func ingress(_ spec: String, annotations: String = "{}") -> String {
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: web, annotations: \(annotations) }\nspec: \(spec)\n"
    }

    static let backend = "{service: {name: web, port: {number: 80}}}"

    static let cases: [(String, String)] = [
        (
            ingress("{rules: [{host: shop.acme.com, http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}]}"),
            "Ingress/web (app.yaml): spec.rules[0].host: host 'shop.acme.com' is not this preview's"
        ),
        (
            ingress("{rules: [{host: \"shop-pr-2.DOMAIN\", http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}]}"),
            "spec.rules[0].host: host 'shop-pr-2.DOMAIN' is not this preview's"
        ),
        (
            ingress("{rules: [{host: \"*.DOMAIN\", http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}]}"),
            "spec.rules[0].host: wildcard host"
        ),
        (ingress("{rules: [{http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}]}"), "spec.rules[0].host: no host: a catch-all route"),
        (ingress("{defaultBackend: \(backend)}"), "spec.defaultBackend: a default backend takes traffic for every host"),
        (
            ingress(
                "{rules: [{host: HOST, http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}], tls: [{hosts: [shop.acme.com], secretName: t}]}"
            ),
            "spec.tls[0].hosts[0]: host 'shop.acme.com' is not this preview's"
        ),
        (
            ingress(
                "{rules: [{host: HOST, http: {paths: [{path: /, pathType: Prefix, backend: \(backend)}]}}]}",
                annotations: "{nginx.ingress.kubernetes.io/server-snippet: 'location / { proxy_pass http://10.0.0.1; }'}"),
            "metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]: snippet annotations inject configuration"
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n",
            "Service/lb (app.yaml): spec.type: type LoadBalancer exposes the preview outside the cluster"
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec: {type: NodePort, ports: [{port: 80}]}\n",
            "Service/np (app.yaml): spec.type: type NodePort"
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {type: ExternalName, externalName: db.internal.corp}\n",
            "Service/ext (app.yaml): spec.type: type ExternalName"
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: ip}\nspec: {ports: [{port: 80}], externalIPs: [10.0.0.1]}\n",
            "Service/ip (app.yaml): spec.externalIPs: external IPs let a Service capture traffic for any address (CVE-2020-8554)"
        ),
        (
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\nautomountServiceAccountToken: true\n",
            "ServiceAccount/default (app.yaml): ServiceAccount/default is Sandcastle's own"
        ),
        (
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: sandcastle-seed-0000000}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: x, image: busybox}]}}}\n",
            "Job/sandcastle-seed-0000000 (app.yaml): names starting with 'sandcastle-' are reserved"
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: sandcastle-database}\nstringData: {DATABASE_URL: postgres://attacker}\n",
            "Secret/sandcastle-database (app.yaml): names starting with 'sandcastle-' are reserved"
        ),
        (
            "apiVersion: evil.example.com/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n",
            "Deployment/web (app.yaml): kind evil.example.com/Deployment is not in bundle.allowedKinds"
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func anObjectThatReachesOutOfItsPreviewIsRefused(index: Int) throws {
        let domain = String(Self.host.split(separator: ".", maxSplits: 1)[1])
        let (yaml, expected) = Self.cases[index]
        let text = try BundleErrorTests.renderError([
            "app.yaml": yaml.replacingOccurrences(of: "HOST", with: Self.host).replacingOccurrences(of: "DOMAIN", with: domain)
        ])
        #expect(text.contains(expected.replacingOccurrences(of: "DOMAIN", with: domain)), "\(text)")
    }

    @Test func gatewayRoutesNeedTheirOwnHostnames() throws {
        var settings = BundleErrorTests.manifests
        settings.bundle.allowedKinds.append("HTTPRoute")
        let route = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {parentRefs: [{name: shared}]}\n"
        let text = try BundleErrorTests.renderError(["app.yaml": route], settings: settings)
        #expect(text.contains("HTTPRoute/r (app.yaml): spec.hostnames: a route without hostnames takes every host of its gateway"))
        let foreign = route.replacingOccurrences(of: "spec: {", with: "spec: {hostnames: [api.acme.com], ")
        #expect(try BundleErrorTests.renderError(["app.yaml": foreign], settings: settings).contains("spec.hostnames[0]: host 'api.acme.com'"))
    }

    @Test func ownHostsAndAllowedExposureRender() throws {
        var settings = BundleErrorTests.manifests
        settings.bundle.allowedServiceTypes = ["LoadBalancer"]
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "app.yaml": Self.ingress(
                "{rules: [{host: \(Self.host), http: {paths: [{path: /, pathType: Prefix, backend: \(Self.backend)}]}}, {host: api.\(Self.host)}], tls: [{hosts: [\(Self.host)], secretName: wildcard}]}",
                annotations: "{nginx.ingress.kubernetes.io/proxy-body-size: 8m}")
                + "---\napiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n"
        ])
        let context = RenderContext(key: Make.key(1), sha: String(repeating: "0", count: 40), settings: settings)
        let rendered = try Renderer().render(context, bundleDirectory: dir.path)
        #expect(rendered.objects.contains { $0.kind == "Ingress" })
    }

    @Test func aSnippetAnnotationCanBeAllowedOnlyByName() throws {
        var settings = BundleErrorTests.manifests
        settings.bundle.allowedRouteAnnotations = ["nginx.ingress.kubernetes.io/*"]
        let yaml = Self.ingress(
            "{rules: [{host: \(Self.host), http: {paths: [{path: /, pathType: Prefix, backend: \(Self.backend)}]}}]}",
            annotations: "{nginx.ingress.kubernetes.io/configuration-snippet: 'x', other.io/thing: y}")
        let text = try BundleErrorTests.renderError(["app.yaml": yaml], settings: settings)
        #expect(text.contains("metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]: snippet annotations"))
        #expect(text.contains("metadata.annotations[other.io/thing]: annotation not in bundle.allowedRouteAnnotations"))
    }
}
