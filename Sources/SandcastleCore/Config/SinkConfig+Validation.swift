/// Checks of the top-level sections once they are read (`ConfigLoader` and `ConfigLoader+GitOps`
/// only turn YAML into values of the right type): the forge's API URL, the sink and its engine,
/// the registries, and a Helm bundle's paths. Each rule names the field it came from.
extension ConfigValidation {
    /// `forge.github.apiURL`: an http(s) URL.
    static func checkForge(_ forge: ForgeConfig, _ node: ConfigNode?, reader: inout ConfigReader) {
        let github = node.map(children)?["github"].map(children) ?? [:]
        if let url = github["apiURL"], !isHTTPURL(forge.apiURL) { reader.fail(url, "'\(forge.apiURL)' is not an http(s) URL") }
    }

    /// `sink`: a path for the directory sink only; engine settings only for their engine; an
    /// Argo CD destination URL and a GitOps path inside its repository.
    static func checkSink(_ sink: SinkConfig, _ node: ConfigNode, reader: inout ConfigReader) {
        let fields = children(node)
        if sink.kind == .directory, sink.path?.isEmpty ?? true {
            reader.fail(path: ConfigNode.join(node.path, "path"), line: node.line, "missing; the directory sink needs an output path")
        }
        if sink.kind != .directory, let pathNode = fields["path"] { reader.fail(pathNode, "only the directory sink takes a path") }
        if let argocd = fields["argocd"] {
            if sink.kind != .argocd { reader.fail(argocd, "only the argocd sink takes argocd settings (sink.kind is \(sink.kind.rawValue))") }
            let nodes = children(argocd)
            if let v = nodes["destinationServer"], !isHTTPURL(sink.argocd.destinationServer) {
                reader.fail(v, "expected an https:// URL of the cluster as Argo CD names it")
            }
            if let path = sink.argocd.gitops?.path, !isRelativeInnerPath(path), let v = nodes["gitops"].map(children)?["path"] {
                reader.fail(v, "'\(path)' must be a relative path inside the repository, without '..'")
            }
        }
        if let flux = fields["flux"], sink.kind != .flux {
            reader.fail(flux, "only the flux sink takes flux settings (sink.kind is \(sink.kind.rawValue))")
        }
    }

    /// `registries[i].host`: a host, optionally with a port, like ghcr.io or registry.example.com:5000.
    static func checkRegistries(_ registries: [RegistryConfig], _ node: ConfigNode?, reader: inout ConfigReader) {
        for (registry, item) in aligned(registries, node.map(items) ?? []) where !isRegistryHost(registry.host) {
            reader.fail(children(item)["host"] ?? item, "'\(registry.host)' is not a registry host, like ghcr.io or registry.example.com:5000")
        }
    }

    static func isRegistryHost(_ host: String) -> Bool {
        let hostPart = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
        return !host.contains("/") && (isDNSSubdomain(hostPart) || hostPart == "localhost" || hostPart.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// `bundle.helm`: values files inside the chart; a chart repository over https or OCI.
    static func checkHelm(_ helm: HelmBundleSettings, _ nodes: [String: ConfigNode], reader: inout ConfigReader) {
        let outside = helm.valuesFiles.filter { !isRelativeInnerPath($0) }
        if let v = nodes["valuesFiles"], !outside.isEmpty {
            reader.fail(v, "\(outside.joined(separator: ", ")): values files must be relative paths inside the chart, without '..'")
        }
        if let chart = helm.chart, !(isHTTPURL(chart.repository) || chart.repository.hasPrefix("oci://")),
            let v = nodes["chart"].map(children)?["repository"]
        {
            reader.fail(v, "expected an https:// chart repository or an oci:// registry URL")
        }
    }
}
