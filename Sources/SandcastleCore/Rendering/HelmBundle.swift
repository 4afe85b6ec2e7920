import Foundation

/// Renders a Helm chart directory into a YAML stream.
public protocol HelmTemplating: Sendable {
    /// `helm template RELEASE CHART --namespace NAMESPACE -f FILE…` for the chart in `chartDirectory`.
    func template(chartDirectory: String, release: String, namespace: String, valuesFiles: [String]) throws(RenderError) -> String
}

/// `helm template`, found on `PATH`, confined like Kustomize (no usable network, limits on memory,
/// CPU, wall time and output). Used only by the cluster sink: with Argo CD or Flux the engine
/// renders the chart.
public struct HelmCLI: HelmTemplating {
    public var executable: String
    public var limits: Subprocess.Confinement

    public init(executable: String = "helm", limits: Subprocess.Confinement = .init()) {
        self.executable = executable
        self.limits = limits
    }

    public func template(chartDirectory: String, release: String, namespace: String, valuesFiles: [String]) throws(RenderError) -> String {
        guard let path = Subprocess.locate(executable) else {
            throw RenderError(
                "'\(executable)' is not installed or not on PATH; the cluster sink needs Helm 3 to render Helm bundles (bundle.kind: helm). Install helm, or let the engine render the chart with sink.kind: argocd or flux, or render the chart in CI and use bundle.kind: manifests"
            )
        }
        var arguments = ["template", release, chartDirectory, "--namespace", namespace]
        for file in valuesFiles { arguments += ["--values", file] }
        return try Subprocess.renderingTool(path, arguments, limits: limits, name: "helm template", what: "the chart")
    }
}

/// Building a Helm bundle with the cluster sink: the chart is copied out of the checkout, the
/// preview's values are written next to it and `helm template` renders it; the output goes
/// through the same contract as any bundle.
enum HelmBundle {
    static func build(_ files: BundleFiles, context: RenderContext, helm: any HelmTemplating) throws(RenderError) -> [Manifest] {
        let settings = context.settings.bundle.helm
        if let chart = settings.chart {
            throw RenderError(
                "the chart \(chart.name) comes from \(chart.repository); the cluster sink renders charts from the repository only. Use sink.kind: argocd or flux, or remove bundle.helm.chart"
            )
        }
        guard files.files.contains(where: { $0.path == "Chart.yaml" }) else {
            throw RenderError("bundle.kind is helm but the bundle has no Chart.yaml at its root; point bundle.path at the chart")
        }
        for file in settings.valuesFiles where !files.files.contains(where: { $0.path == file }) {
            throw RenderError("bundle.helm.valuesFiles names '\(file)', which is not a file in the chart")
        }
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("sandcastle-helm-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: work) }
        try files.write(to: work + "/chart")
        let valuesPath = work + "/sandcastle-values.yaml"
        do {
            try Data(ManifestYAML.emit(.object(try values(context))).utf8).write(to: URL(fileURLWithPath: valuesPath))
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError("cannot write the Helm values: \(error.localizedDescription)")
        }
        let output = try helm.template(
            chartDirectory: work + "/chart", release: settings.releaseName, namespace: context.names.namespace,
            valuesFiles: settings.valuesFiles.map { work + "/chart/" + $0 } + [valuesPath])
        do {
            return try ManifestYAML.parseDocuments(output).compactMap { $0.object.map { Manifest(object: $0, source: "helm") } }
        } catch {
            throw RenderError("helm template printed YAML that cannot be read: \(error.message)")
        }
    }

    /// The values Sandcastle passes to a chart: `preview` (number, sha, host, url, namespace) and
    /// each configured value at its dotted path.
    static func values(_ context: RenderContext) throws(RenderError) -> ManifestObject {
        let variables = context.variables
        var values: ManifestObject = [
            "preview": [
                "number": .int(context.key.number), "sha": .string(context.sha), "host": .string(context.names.host),
                "url": .string("https://\(context.names.host)"), "namespace": .string(context.names.namespace),
            ]
        ]
        for value in context.settings.bundle.helm.values {
            let text: String
            do {
                text = try value.template.render(variables)
            } catch {
                throw RenderError("bundle.helm.values.\(value.path): \(error.message)")
            }
            values.set(.string(text), at: value.path)
        }
        return values
    }
}
