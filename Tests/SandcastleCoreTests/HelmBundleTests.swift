import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Helm bundles with the cluster sink: the chart is rendered by `helm template` (here a stand-in
/// that records what it was asked and prints a chart's output), and the output goes through the
/// same contract as any bundle. Helm itself is not installed on the test machines.
@Suite struct HelmBundleTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    /// Prints `output` and records the values files it was given (their text, in order).
    final class StandInHelm: HelmTemplating, @unchecked Sendable {
        let output: String
        var calls: [(release: String, namespace: String, values: [String])] = []
        init(output: String) { self.output = output }
        func template(chartDirectory: String, release: String, namespace: String, valuesFiles: [String]) throws(RenderError) -> String {
            calls.append((release, namespace, valuesFiles.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "missing: \($0)" }))
            return output
        }
    }

    static func settings(_ helm: String) throws -> PreviewSettings {
        let config = try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            defaults: {domain: preview.acme.dev}
            repositories:
              - name: acme/scout
                bundle: {path: chart, kind: helm, helm: \(helm)}
            """, file: "helm.yaml")
        return config.repositories[0].settings
    }

    static func chart() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try dir.write([
            "Chart.yaml": "apiVersion: v2\nname: scout\nversion: 0.1.0\n",
            "values-preview.yaml": "replicas: 1\n",
            "templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\n",
        ])
        return dir
    }

    static let deployment = """
        ---
        # Source: scout/templates/deployment.yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: scout}
        spec:
          selector: {matchLabels: {app: scout}}
          template:
            metadata: {labels: {app: scout}}
            spec: {containers: [{name: scout, image: "ghcr.io/acme/scout@sha256:\(String(repeating: "a", count: 64))"}]}
        """

    @Test func theChartIsRenderedWithThePreviewValuesAndContracted() throws {
        let dir = try Self.chart()
        defer { dir.remove() }
        let helm = StandInHelm(output: Self.deployment)
        let settings = try Self.settings("{releaseName: scout, valuesFiles: [values-preview.yaml], values: {image.tag: 'pr-{{ number }}'}}")
        let context = RenderContext(key: PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 7), sha: Self.sha, settings: settings)
        let rendered = try Renderer(helm: helm).render(context, bundleDirectory: dir.path)
        let deployment = try #require(rendered.objects.first { $0.kind == "Deployment" })
        #expect(deployment.namespace == "pr-7-scout")
        #expect(deployment.object.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == "sandcastle")
        let call = try #require(helm.calls.first)
        #expect(call.release == "scout" && call.namespace == "pr-7-scout")
        #expect(call.values.first == "replicas: 1\n", "the chart's values file first")
        let values = try #require(try ManifestYAML.parseDocuments(call.values.last ?? "").first?.object)
        #expect(values.value(at: "image.tag") == "pr-7")
        #expect(values.value(at: "preview.sha")?.string == Self.sha)
        #expect(values.value(at: "preview.url") == "https://scout-pr-7.preview.acme.dev")
    }

    @Test func aChartThatBreaksTheContractIsRefused() throws {
        let dir = try Self.chart()
        defer { dir.remove() }
        let foreign =
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: everything}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n"
        let helm = StandInHelm(output: Self.deployment + "\n---\n" + foreign)
        let context = RenderContext(
            key: PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 7), sha: Self.sha, settings: try Self.settings("{}"))
        #expect {
            try Renderer(helm: helm).render(context, bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("ClusterRole")
        }
    }

    @Test func withoutHelmTheErrorNamesTheAlternatives() throws {
        let dir = try Self.chart()
        defer { dir.remove() }
        let context = RenderContext(
            key: PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 7), sha: Self.sha, settings: try Self.settings("{}"))
        #expect {
            try Renderer(helm: HelmCLI(executable: "/nonexistent/helm")).render(context, bundleDirectory: dir.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("needs Helm 3") && text.contains("sink.kind: argocd or flux") && text.contains("bundle.kind: manifests")
        }
    }

    @Test func badChartsAreNamed() throws {
        let empty = try TemporaryDirectory()
        defer { empty.remove() }
        try empty.write(["templates/x.yaml": "kind: ConfigMap\n"])
        let key = PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 7)
        let helm = StandInHelm(output: "")
        #expect {
            try Renderer(helm: helm).render(RenderContext(key: key, sha: Self.sha, settings: try Self.settings("{}")), bundleDirectory: empty.path)
        } throws: { String(describing: $0).contains("no Chart.yaml") }
        let dir = try Self.chart()
        defer { dir.remove() }
        #expect {
            try Renderer(helm: helm).render(
                RenderContext(key: key, sha: Self.sha, settings: try Self.settings("{valuesFiles: [values-staging.yaml]}")), bundleDirectory: dir.path
            )
        } throws: { String(describing: $0).contains("'values-staging.yaml', which is not a file in the chart") }
        #expect {
            try Renderer(helm: helm).render(
                RenderContext(
                    key: key, sha: Self.sha,
                    settings: try Self.settings("{chart: {repository: 'https://charts.acme.dev', name: scout, version: 1.0.0}}")),
                bundleDirectory: dir.path)
        } throws: { String(describing: $0).contains("Use sink.kind: argocd or flux") }
        #expect(helm.calls.isEmpty, "helm is not run for a bundle that cannot be rendered")
    }

    /// A chart is PR content: a link out of it, or an oversized file, is refused before helm runs.
    @Test func aHostileChartIsRefusedBeforeHelmRuns() throws {
        let dir = try Self.chart()
        defer { dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/templates/secrets.yaml", withDestinationPath: "/etc/passwd")
        let helm = StandInHelm(output: Self.deployment)
        let context = RenderContext(
            key: PreviewKey(repository: RepositoryName(parsing: "acme/scout")!, number: 7), sha: Self.sha, settings: try Self.settings("{}"))
        #expect {
            try Renderer(helm: helm).render(context, bundleDirectory: dir.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("templates/secrets.yaml") && text.contains("outside the bundle") && !text.contains("root:")
        }
        try FileManager.default.removeItem(atPath: dir.path + "/templates/secrets.yaml")
        try dir.write(["templates/huge.yaml": String(repeating: "x", count: BundleFiles.maxFileBytes + 1)])
        #expect(throws: RenderError.self) { try Renderer(helm: helm).render(context, bundleDirectory: dir.path) }
        #expect(helm.calls.isEmpty, "helm never ran")
    }
}
