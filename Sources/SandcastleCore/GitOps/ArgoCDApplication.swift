/// The Argo CD Application of one preview (the ApplicationSet architecture's shape): the fixed
/// project from configuration, the PR's repository at the head SHA as the first source (Kustomize,
/// Helm or a plain directory), the GitOps repository's baselines as an optional second source,
/// the preview namespace as destination (Sandcastle creates it: no `CreateNamespace`), the
/// resources finalizer so deletion prunes, and automated sync with prune and self-heal.
public enum ArgoCDApplication {
    public static let apiVersion = "argoproj.io/v1alpha1"
    public static let kind = "Application"
    /// Argo CD deletes the Application's resources before the Application itself.
    public static let resourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
    public static let syncOptions = [
        "FailOnSharedResource=true", "PruneLast=true", "PrunePropagationPolicy=background", "ServerSideApply=true",
    ]

    /// The Application and, without a shared `project`, the preview's own AppProject (first, so it
    /// exists when the Application refers to it; deleted last).
    public static func objects(for context: RenderContext, settings: ArgoCDSinkSettings, repositoryURL: String) throws(RenderError) -> [Manifest] {
        let application = try object(for: context, settings: settings, repositoryURL: repositoryURL)
        guard settings.project == nil else { return [application] }
        var sources = [repositoryURL]
        if let gitops = settings.gitops { sources.append(gitops.repoURL) }
        if let chart = context.settings.bundle.helm.chart {
            sources.append(chart.argoCDRepoURL)
        }
        let project = ArgoCDProject.previewProject(
            context: context, namespace: settings.namespace, server: settings.destinationServer, sourceRepos: sources)
        return [Manifest(object: project, source: "sandcastle"), application]
    }

    /// The Application alone.
    public static func object(
        for context: RenderContext, settings: ArgoCDSinkSettings, repositoryURL: String
    ) throws(RenderError) -> Manifest {
        var sources: [ManifestValue] = [.object(try bundleSource(context, repositoryURL: repositoryURL))]
        if let gitops = settings.gitops {
            sources.append(["repoURL": .string(gitops.repoURL), "targetRevision": .string(gitops.targetRevision), "path": .string(gitops.path)])
        }
        let object: ManifestObject = [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "metadata": GitOpsEngine.metadata(
                context, name: context.names.namespace, namespace: settings.namespace, finalizers: [resourcesFinalizer]),
            "spec": [
                "project": .string(settings.project ?? context.names.namespace), "sources": .array(sources),
                "destination": ["server": .string(settings.destinationServer), "namespace": .string(context.names.namespace)],
                "syncPolicy": [
                    "automated": ["prune": true, "selfHeal": true],
                    "syncOptions": .array(syncOptions.map(ManifestValue.string)),
                ],
            ],
        ]
        return Manifest(object: object, source: "sandcastle")
    }

    /// The bundle as an Argo CD source: the PR's repository at the head commit, or for a Helm chart
    /// from a chart repository, that chart at its version with the preview's values.
    static func bundleSource(_ context: RenderContext, repositoryURL: String) throws(RenderError) -> ManifestObject {
        let bundle = context.settings.bundle
        var source: ManifestObject = ["repoURL": .string(repositoryURL), "targetRevision": .string(context.sha), "path": .string(bundle.path)]
        switch bundle.kind {
        case .manifests:
            source["directory"] = ["recurse": true]
        case .kustomize:
            let images = context.pins.compactMap { pin in pin.digest.map { ManifestValue.string("\(pin.name)@\($0)") } }
            if !images.isEmpty { source["kustomize"] = ["images": .array(images)] }
        case .helm:
            var helm: ManifestObject = [
                "releaseName": .string(bundle.helm.releaseName), "valuesObject": .object(try HelmBundle.values(context)),
            ]
            if !bundle.helm.valuesFiles.isEmpty { helm["valueFiles"] = .array(bundle.helm.valuesFiles.map(ManifestValue.string)) }
            if let chart = bundle.helm.chart {
                source = ["repoURL": .string(chart.argoCDRepoURL), "chart": .string(chart.name), "targetRevision": .string(chart.version)]
            }
            source["helm"] = .object(helm)
        }
        return source
    }
}
