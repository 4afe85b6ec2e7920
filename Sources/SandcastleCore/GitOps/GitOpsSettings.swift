/// Settings of the GitOps sinks: Sandcastle creates the preview namespace with its baselines and
/// one engine object set per PR; Argo CD or Flux syncs the bundle.

/// A second Argo CD source from a GitOps repository (baselines and bindings), after the bundle.
public struct GitOpsSource: Sendable, Hashable {
    public var repoURL: String
    public var targetRevision: String
    public var path: String

    public init(repoURL: String, targetRevision: String, path: String) {
        self.repoURL = repoURL
        self.targetRevision = targetRevision
        self.path = path
    }
}

/// `sink.argocd`: one `argoproj.io/v1alpha1` Application per PR.
public struct ArgoCDSinkSettings: Sendable, Hashable {
    /// The namespace Argo CD watches for Applications.
    public var namespace = "argocd"
    /// A shared AppProject every preview Application belongs to (e.g. the one `sandcastle argocd
    /// project` prints). `nil` (the default): each preview gets its own AppProject, named after its
    /// namespace, whose only destination is that namespace, so a bundle cannot write into another
    /// preview's namespace (a shared project can only limit destinations to a pattern like `pr-*`).
    public var project: String?
    /// The cluster the Applications deploy to, as Argo CD names it.
    public var destinationServer = "https://kubernetes.default.svc"
    /// An optional second source, ordered after the bundle.
    public var gitops: GitOpsSource?

    public init() {}
}

/// `sink.flux`: per PR, a `GitRepository` pinned to the head commit and a `Kustomization` or a
/// `HelmRelease` (for `bundle.kind: helm`).
public struct FluxSinkSettings: Sendable, Hashable {
    /// The namespace of the Flux objects (and of the ServiceAccount they impersonate).
    public var namespace = "flux-system"
    /// How often Flux reconciles the objects.
    public var interval = ConfigDuration(seconds: 60)
    /// How long an apply (and its health checks) may take before Flux reports it failed.
    public var timeout = ConfigDuration(seconds: 300)
    /// A Secret in ``namespace`` with the credentials to clone the repository, if it is private.
    public var secretRef: String?

    public init() {}
}

/// A Helm chart served by a chart repository (`https://`, a Flux `HelmRepository`) or an OCI
/// registry (`oci://`, a Flux `OCIRepository`) instead of the PR's repository.
public struct HelmChartSource: Sendable, Hashable {
    public var repository: String
    public var name: String
    public var version: String

    public init(repository: String, name: String, version: String) {
        self.repository = repository
        self.name = name
        self.version = version
    }

    /// Whether the chart comes from an OCI registry.
    public var isOCI: Bool { repository.hasPrefix("oci://") }

    /// The repository as Argo CD names it: an OCI registry without its scheme.
    public var argoCDRepoURL: String { isOCI ? String(repository.dropFirst("oci://".count)) : repository }
}

/// One value a Helm bundle sets: a dotted path and a template over the preview variables.
public struct HelmValue: Sendable, Hashable {
    public var path: String
    public var template: Template

    public init(path: String, template: Template) {
        self.path = path
        self.template = template
    }
}

/// How a `bundle.kind: helm` bundle is rendered: values files inside the chart, values with the
/// preview variables (dotted paths, templates), a release name, and optionally a chart repository.
public struct HelmBundleSettings: Sendable, Hashable {
    /// Values files, relative to the chart directory.
    public var valuesFiles: [String] = []
    /// Values set by dotted path (`image.tag: pr-{{ number }}-{{ sha }}`).
    public var values: [HelmValue] = []
    /// The chart from a chart repository instead of the bundle path.
    public var chart: HelmChartSource?
    /// The release name; default `preview`.
    public var releaseName = "preview"

    public init() {}
}
