/// Reading `sink.argocd`, `sink.flux` and the Helm fields of `bundle`; their rules are in
/// `SinkConfig+Validation`.
extension ConfigLoader {
    static func readArgoCD(_ node: ConfigNode, reader: inout ConfigReader) -> ArgoCDSinkSettings {
        var settings = ArgoCDSinkSettings()
        guard let fields = reader.mapping(node, allowed: ["namespace", "project", "destinationServer", "gitops"]) else { return settings }
        if let v = fields["namespace"], let name = kubernetesName(v, reader: &reader) { settings.namespace = name }
        if let v = fields["project"], let name = kubernetesName(v, reader: &reader) { settings.project = name }  // else one per preview
        if let v = fields["destinationServer"], let server = reader.string(v) { settings.destinationServer = server }
        if let v = fields["gitops"], let source = reader.mapping(v, allowed: ["repoURL", "targetRevision", "path"]) {
            let repoURL = source["repoURL"].flatMap { reader.string($0) }
            let revision = source["targetRevision"].flatMap { reader.string($0) } ?? "HEAD"
            let path = source["path"].flatMap { reader.string($0) }
            if repoURL == nil { reader.fail(path: source.path("repoURL"), line: v.line, "missing; the GitOps source needs the repository URL") }
            if path == nil { reader.fail(path: source.path("path"), line: v.line, "missing; the GitOps source needs a path in that repository") }
            if let repoURL, let path { settings.gitops = GitOpsSource(repoURL: repoURL, targetRevision: revision, path: path) }
        }
        return settings
    }

    static func readFlux(_ node: ConfigNode, reader: inout ConfigReader) -> FluxSinkSettings {
        var settings = FluxSinkSettings()
        guard let fields = reader.mapping(node, allowed: ["namespace", "interval", "timeout", "secretRef"]) else { return settings }
        if let v = fields["namespace"], let name = kubernetesName(v, reader: &reader) { settings.namespace = name }
        if let v = fields["interval"], let d = reader.duration(v) { settings.interval = d }
        if let v = fields["timeout"], let d = reader.duration(v) { settings.timeout = d }
        if let v = fields["secretRef"], let name = kubernetesName(v, reader: &reader) { settings.secretRef = name }
        return settings
    }

    /// `bundle.helm`: `valuesFiles`, `values` (dotted path → template), `releaseName`, `chart`.
    static func readHelm(_ node: ConfigNode, into helm: inout HelmBundleSettings, reader: inout ConfigReader) {
        guard let fields = reader.mapping(node, allowed: ["valuesFiles", "values", "releaseName", "chart"]) else { return }
        if let v = fields["valuesFiles"], let files = reader.strings(v) { helm.valuesFiles = files }
        if let v = fields["values"] {
            guard case .mapping(let pairs) = v.value else {
                reader.fail(v, "expected a mapping of dotted values paths to templates, found \(v.kindName)")
                return
            }
            helm.values = pairs.compactMap { pair -> HelmValue? in
                guard let text = reader.string(pair.value) else { return nil }
                let segments = pair.key.split(separator: ".", omittingEmptySubsequences: false)
                guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty }) else {
                    reader.fail(pair.value, "'\(pair.key)' is not a dotted values path such as image.tag")
                    return nil
                }
                do {
                    let template = try Template(parsing: text)
                    let known: Set<String> = ["number", "owner", "repo", "sha", "shortSha", "namespace", "host", "url", "domain"]
                    let unknown = template.unknownVariables(known: known).filter { !$0.name.hasPrefix("values.") }
                    guard unknown.isEmpty else {
                        reader.fail(
                            pair.value, "unknown variable '\(unknown[0].name)' (known: \(known.sorted().joined(separator: ", ")), values.NAME)")
                        return nil
                    }
                    return HelmValue(path: pair.key, template: template)
                } catch {
                    reader.fail(pair.value, (error as? TemplateError)?.message ?? "\(error)")
                    return nil
                }
            }
        }
        if let v = fields["releaseName"], let name = kubernetesName(v, reader: &reader) { helm.releaseName = name }
        if let v = fields["chart"], let chart = reader.mapping(v, allowed: ["repository", "name", "version"]) {
            let repository = chart["repository"].flatMap { reader.string($0) }
            let name = chart["name"].flatMap { reader.string($0) }
            let version = chart["version"].flatMap { reader.string($0) }
            for (key, value) in [("repository", repository), ("name", name), ("version", version)] where value == nil {
                reader.fail(path: chart.path(key), line: v.line, "missing; a chart from a repository needs repository, name and version")
            }
            if let repository, let name, let version { helm.chart = HelmChartSource(repository: repository, name: name, version: version) }
        }
    }

    /// A DNS-1123 label (a namespace or object name).
    private static func kubernetesName(_ node: ConfigNode, reader: inout ConfigReader) -> String? {
        guard let text = reader.string(node) else { return nil }
        guard NameScheme.dnsLabel.isValid(text) else {
            reader.fail(node, "'\(text)' is not a valid Kubernetes name (lowercase letters, digits and '-', at most 63 characters)")
            return nil
        }
        return text
    }
}
