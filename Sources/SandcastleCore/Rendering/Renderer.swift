/// Renders a preview: bundle, contract, namespace and labels, image pins, hooks and baselines.
public struct Renderer: Sendable {
    public var kustomize: any KustomizeBuilding
    public var helm: any HelmTemplating
    /// The GitOps engine that syncs the bundle (`sink.kind: argocd|flux`); `nil` when Sandcastle
    /// applies the bundle itself.
    public var engine: GitOpsEngine?

    public init(kustomize: any KustomizeBuilding = KubectlKustomize(), helm: any HelmTemplating = HelmCLI(), engine: GitOpsEngine? = nil) {
        self.kustomize = kustomize
        self.helm = helm
        self.engine = engine
    }

    /// Renders the bundle in `bundleDirectory` for `context`. Nothing is written anywhere. With a
    /// GitOps engine the bundle is not read: the engine renders it from the repository.
    public func render(_ context: RenderContext, bundleDirectory: String) throws(RenderError) -> RenderedPreview {
        guard RenderContext.isCommitSHA(context.sha) else {
            throw RenderError("'\(context.sha)' is not a commit SHA; expected 40 lowercase hex digits")
        }
        if let engine { return try assemble([], context: context, engine: engine) }
        let kind = context.settings.bundle.kind
        let files = try BundleFiles.read(directory: bundleDirectory, variables: context.variables, substituting: kind != .helm)
        let bundle: [Manifest]
        switch kind {
        case .manifests: bundle = try files.manifests()
        case .kustomize: bundle = try KustomizeBundle.build(files, context: context, builder: kustomize)
        case .helm: bundle = try HelmBundle.build(files, context: context, helm: helm)
        }
        return try assemble(bundle, context: context)
    }

    /// Checks bundle objects against the contract and adds everything Sandcastle owns.
    public func assemble(_ bundle: [Manifest], context: RenderContext, engine: GitOpsEngine? = nil) throws(RenderError) -> RenderedPreview {
        let split = try HookJobs.split(bundle)
        let hooks = try HookJobs.jobs(configured: context.settings.hooks, bundle: split.hooks, context: context)
        // What Sandcastle renders itself; its database Secret (added later) is covered by the `sandcastle-` prefix.
        let exposure = PreviewExposure.objects(for: context)
        let own = Baselines.objects(for: context) + exposure + hooks.filter { $0.manifest.source == "sandcastle" }.map(\.manifest)
        let violations =
            BundleContract.violations(of: bundle, namespace: context.names.namespace, settings: context.settings.bundle)
            + BundleContract.reservedNameViolations(of: bundle, reserved: own)
            + ExposurePolicy.violations(
                of: bundle, hosts: PreviewExposure.ownedHosts(key: context.key, settings: context.settings), settings: context.settings.bundle)
        guard violations.isEmpty else {
            throw RenderError("the bundle breaks the preview contract (\(violations.count) problem(s)); nothing was rendered", issues: violations)
        }
        let labels = Ownership.labels(for: context.key)
        let pins = context.pins
        var unpinned: [String] = []
        func owned(_ object: Manifest) -> Manifest {
            var object = object
            var metadata = object.metadata
            metadata["namespace"] = .string(context.names.namespace)
            object.metadata = metadata
            object.merge(labels, into: "labels")
            object.mergePodTemplateLabels(labels)
            unpinned += ImagePinning.pin(&object, pins: pins)
            PreviewExposure.schedule(&object, context.settings.scheduling)
            return object
        }
        let engineObjects = try engine?.objects(for: context)
        let objects = Baselines.objects(for: context) + exposure + split.objects.map(owned) + (engineObjects?.preview.map(owned) ?? [])
        let held = hooks.map { HookJob(stage: $0.stage, manifest: owned($0.manifest), delay: $0.delay) }
        return RenderedPreview(
            key: context.key, sha: context.sha, names: context.names, objects: objects, hooks: held, engineObjects: engineObjects?.engine ?? [],
            unpinnedImages: unpinned)
    }
}
