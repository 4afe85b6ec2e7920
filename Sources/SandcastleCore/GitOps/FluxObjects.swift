/// The Flux objects of one preview: a `GitRepository` pinned to the head commit and a
/// `Kustomization` (path, `targetNamespace`, prune, wait, timeout, the preview variables as
/// `postBuild.substitute`) or, for `bundle.kind: helm`, a `HelmRelease` (chart from the
/// `GitRepository`, a `HelmRepository` or an `OCIRepository`, the preview variables as values).
/// Both impersonate a per-preview ServiceAccount in the Flux namespace, bound in the preview
/// namespace only to the ClusterRole `sandcastle-flux-deployer` (``FluxDeployerRole``).
public enum FluxObjects {
    public static let sourceAPIVersion = "source.toolkit.fluxcd.io/v1"
    public static let ociAPIVersion = "source.toolkit.fluxcd.io/v1beta2"
    public static let kustomizeAPIVersion = "kustomize.toolkit.fluxcd.io/v1"
    public static let helmAPIVersion = "helm.toolkit.fluxcd.io/v2"

    public static func objects(
        for context: RenderContext, settings: FluxSinkSettings, repositoryURL: String
    ) throws(RenderError) -> (engine: [Manifest], preview: [Manifest]) {
        let name = context.names.namespace
        let meta = GitOpsEngine.metadata(context, name: name, namespace: settings.namespace)
        let bundle = context.settings.bundle
        var engine: [ManifestObject] = [
            ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta]
        ]
        var gitRepository: ManifestObject = [
            "apiVersion": .string(sourceAPIVersion), "kind": "GitRepository", "metadata": meta,
            "spec": ["interval": .string(settings.interval.goDuration), "url": .string(repositoryURL), "ref": ["commit": .string(context.sha)]],
        ]
        if let secret = settings.secretRef { gitRepository.set(["name": .string(secret)], at: "spec.secretRef") }
        let common: ManifestObject = [
            "interval": .string(settings.interval.goDuration), "timeout": .string(settings.timeout.goDuration),
            "targetNamespace": .string(context.names.namespace), "serviceAccountName": .string(name),
        ]
        switch bundle.kind {
        case .manifests, .kustomize:
            engine.append(gitRepository)
            var spec = common
            spec["path"] = .string("./" + bundle.path)
            spec["prune"] = true
            spec["wait"] = true
            spec["sourceRef"] = ["kind": "GitRepository", "name": .string(name)]
            spec["postBuild"] = ["substitute": .strings(substitutions(context))]
            // Which preview an applied object belongs to, without Sandcastle's managed-by label:
            // Flux manages these objects, not Sandcastle.
            var labels = Ownership.labels(for: context.key)
            labels[Ownership.managedByLabel] = nil
            spec["commonMetadata"] = ["labels": .strings(labels)]
            let images = context.pins.compactMap { pin in
                pin.digest.map { ManifestValue.object(["name": .string(pin.name), "digest": .string($0)]) }
            }
            if !images.isEmpty { spec["images"] = .array(images) }
            engine.append(["apiVersion": .string(kustomizeAPIVersion), "kind": "Kustomization", "metadata": meta, "spec": .object(spec)])
        case .helm:
            var spec = common
            spec["releaseName"] = .string(bundle.helm.releaseName)
            spec["storageNamespace"] = .string(context.names.namespace)
            spec["values"] = .object(try HelmBundle.values(context))
            spec["install"] = ["remediation": ["retries": 0]]
            spec["upgrade"] = ["remediation": ["retries": 0]]
            if let chart = bundle.helm.chart, chart.isOCI {
                engine.append([
                    "apiVersion": .string(ociAPIVersion), "kind": "OCIRepository", "metadata": meta,
                    "spec": [
                        "interval": .string(settings.interval.goDuration), "url": .string(chart.repository + "/" + chart.name),
                        "ref": ["tag": .string(chart.version)],
                    ],
                ])
                spec["chartRef"] = ["kind": "OCIRepository", "name": .string(name)]
            } else if let chart = bundle.helm.chart {
                engine.append([
                    "apiVersion": .string(sourceAPIVersion), "kind": "HelmRepository", "metadata": meta,
                    "spec": ["interval": .string(settings.interval.goDuration), "url": .string(chart.repository)],
                ])
                spec["chart"] = [
                    "spec": [
                        "chart": .string(chart.name), "version": .string(chart.version),
                        "sourceRef": ["kind": "HelmRepository", "name": .string(name)],
                    ]
                ]
            } else {
                engine.append(gitRepository)
                var chartSpec: ManifestObject = [
                    "chart": .string("./" + bundle.path), "sourceRef": ["kind": "GitRepository", "name": .string(name)],
                ]
                if !bundle.helm.valuesFiles.isEmpty {
                    chartSpec["valuesFiles"] = .array(bundle.helm.valuesFiles.map { .string("./" + bundle.path + "/" + $0) })
                }
                spec["chart"] = ["spec": .object(chartSpec)]
            }
            engine.append(["apiVersion": .string(helmAPIVersion), "kind": "HelmRelease", "metadata": meta, "spec": .object(spec)])
        }
        let binding: ManifestObject = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": ["name": .string(FluxDeployerRole.bindingName), "namespace": .string(context.names.namespace)],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(FluxDeployerRole.name)],
            "subjects": [["kind": "ServiceAccount", "name": .string(name), "namespace": .string(settings.namespace)]],
        ]
        return (engine.map { Manifest(object: $0, source: "sandcastle") }, [Manifest(object: binding, source: "sandcastle")])
    }

    /// The preview variables for `${PREVIEW_…}` in the bundle (Flux's post-build substitution).
    static func substitutions(_ context: RenderContext) -> [String: String] {
        [
            "PREVIEW_NUMBER": String(context.key.number), "PREVIEW_SHA": context.sha, "PREVIEW_HOST": context.names.host,
            "PREVIEW_URL": "https://\(context.names.host)", "PREVIEW_NAMESPACE": context.names.namespace,
        ]
    }
}
