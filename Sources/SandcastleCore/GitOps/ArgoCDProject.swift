/// The least-privilege Argo CD AppProject for previews (`sandcastle argocd project`): destinations
/// limited to the preview namespace pattern of each repository, no cluster-scoped resources, only
/// the namespaced kinds a bundle may contain, and only the configured repositories as sources.
public enum ArgoCDProject {
    /// The API group of a kind a bundle may contain; `*` for a kind this table does not know
    /// (a custom resource allowed in `bundle.allowedKinds`).
    public static func group(of kind: String) -> String {
        switch kind {
        case "ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim", "Pod", "Endpoints", "LimitRange", "ResourceQuota":
            ""
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet": "apps"
        case "Job", "CronJob": "batch"
        case "Ingress", "NetworkPolicy": "networking.k8s.io"
        case "HorizontalPodAutoscaler": "autoscaling"
        case "PodDisruptionBudget": "policy"
        case "Role", "RoleBinding": "rbac.authorization.k8s.io"
        case "HTTPRoute": "gateway.networking.k8s.io"
        case "ExternalSecret": "external-secrets.io"
        default: "*"
        }
    }

    /// `(group, Kind)` of an `allowedKinds` entry: `example.com/Widget` names its group; a built-in
    /// kind is looked up.
    static func groupAndKind(_ entry: String) -> (String, String) {
        guard let slash = entry.lastIndex(of: "/") else { return (group(of: entry), entry) }
        return (String(entry[..<slash]), String(entry[entry.index(after: slash)...]))
    }

    /// `pr-*` for a namespace template `pr-{{ number }}-{{ repo }}`: its fixed prefix and a glob.
    public static func namespacePattern(_ template: Template) -> String {
        guard case .literal(let prefix)? = template.parts.first else { return "*" }
        return prefix + "*"
    }

    /// The clone URL of `repository` on the forge whose API is `apiURL`.
    public static func repositoryURL(_ repository: RepositoryName, apiURL: String) -> String {
        var web = apiURL.replacingOccurrences(of: "://api.github.com", with: "://github.com")
        if web.hasSuffix("/api/v3") { web.removeLast("/api/v3".count) }
        while web.hasSuffix("/") { web.removeLast() }
        return "\(web)/\(repository.owner)/\(repository.name).git"
    }

    /// The kinds the engine may apply into previews of `config`, as `(group, Kind)`, sorted: exactly
    /// what bundles may contain (`bundle.allowedKinds`). What Sandcastle renders itself (quota,
    /// limits, network policies, routes, copied Secrets) is not the engine's: a bundle must not be
    /// able to replace a baseline, e.g. raise its own quota or open its network policy.
    public static func bundleKinds(of config: SandcastleConfig) -> [(group: String, kind: String)] {
        var kinds: [String] = []
        for repository in config.repositories {
            for kind in repository.settings.bundle.allowedKinds where !kinds.contains(kind) { kinds.append(kind) }
        }
        return groupsAndKinds(kinds)
    }

    /// `allowedKinds` entries as `(group, Kind)`, sorted.
    static func groupsAndKinds(_ kinds: [String]) -> [(group: String, kind: String)] {
        kinds.map(groupAndKind).sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { (group: $0.0, kind: $0.1) }
    }

    /// The AppProject of one preview (`sink.argocd` without a shared `project`): named after the
    /// preview namespace, whose only destination is that namespace, with the bundle's kinds only,
    /// nothing cluster-scoped, and only the PR's repository (and the configured GitOps and chart
    /// repositories) as sources.
    public static func previewProject(context: RenderContext, namespace: String, server: String, sourceRepos: [String]) -> ManifestObject {
        let kinds = groupsAndKinds(context.settings.bundle.allowedKinds)
        return [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": [
                "name": .string(context.names.namespace), "namespace": .string(namespace),
                "labels": .strings(Ownership.labels(for: context.key)),
            ],
            "spec": [
                "description": .string("Sandcastle preview \(context.key): its own namespace only"),
                "sourceRepos": .array(sourceRepos.map(ManifestValue.string)),
                "destinations": [["server": .string(server), "namespace": .string(context.names.namespace)]],
                "clusterResourceWhitelist": [],
                "namespaceResourceWhitelist": .array(kinds.map { ["group": .string($0.group), "kind": .string($0.kind)] }),
            ],
        ]
    }

    /// The AppProject `name` in Argo CD's namespace `namespace` for the repositories of `config`
    /// (and the GitOps repository of the second source, when configured).
    public static func object(for config: SandcastleConfig, name: String = "previews", namespace: String = "argocd") -> ManifestObject {
        var destinations: [String] = []
        for repository in config.repositories {
            let pattern = namespacePattern(repository.settings.namespaceTemplate)
            if !destinations.contains(pattern) { destinations.append(pattern) }
        }
        var sources = config.repositories.map { repositoryURL($0.name, apiURL: config.forge.apiURL) }
        if let gitops = config.sink.argocd.gitops, config.sink.kind == .argocd { sources.append(gitops.repoURL) }
        for repository in config.repositories {
            if let chart = repository.settings.bundle.helm.chart {
                sources.append(chart.argoCDRepoURL)
            }
        }
        return [
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "labels": .strings([Ownership.managedByLabel: Ownership.managedByValue]),
            ],
            "spec": [
                "description": "Sandcastle pull-request previews: preview namespaces only, no cluster-scoped resources",
                "sourceRepos": .array(Array(Set(sources)).sorted().map(ManifestValue.string)),
                "destinations": .array(destinations.sorted().map { ["server": "https://kubernetes.default.svc", "namespace": .string($0)] }),
                "clusterResourceWhitelist": [],
                "namespaceResourceWhitelist": .array(bundleKinds(of: config).map { ["group": .string($0.group), "kind": .string($0.kind)] }),
            ],
        ]
    }
}
