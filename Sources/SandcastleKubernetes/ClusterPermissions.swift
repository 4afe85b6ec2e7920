import SandcastleCore

/// One thing the controller must be allowed to do: `verbs` on `resource` (`plural` or
/// `plural/subresource`) of `group`, cluster-wide or in one namespace.
public struct ClusterPermission: Sendable, Hashable {
    public var group: String
    public var resource: String
    public var verbs: [String]
    /// `nil`: cluster-wide (cluster-scoped kinds, and namespaced kinds in every preview namespace).
    public var namespace: String?
    /// One object only (RBAC's `resourceNames`), e.g. the ClusterRole Sandcastle may bind.
    public var name: String?

    public init(group: String, resource: String, verbs: [String], namespace: String? = nil, name: String? = nil) {
        self.group = group
        self.resource = resource
        self.verbs = verbs
        self.namespace = namespace
        self.name = name
    }

    /// `leases.coordination.k8s.io in namespace sandcastle-system`, `namespaces (cluster-wide)`.
    public var subject: String {
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        return qualified + (name.map { " \($0)" } ?? "") + (namespace.map { " in namespace \($0)" } ?? " (cluster-wide)")
    }
}

/// What `sandcastle run` needs from the API server; `deploy/rbac.yaml` grants exactly this (a test
/// checks it), and `sandcastle cluster check` asks the server about each.
public enum ClusterPermissions {
    private static let workload = ["get", "list", "create", "patch", "delete"]
    /// Workload kinds are also watched: their rollout reaches the preview within a second.
    private static let watched = ["get", "list", "watch", "create", "patch", "delete"]
    /// Where Events about cluster-scoped objects (PreviewEnvironments) are written.
    public static let eventNamespace = "default"

    /// With a GitOps `engine`, also what its sink writes (``engine(_:)``).
    public static func required(leaseNamespace: String, engine: GitOpsEngine? = nil) -> [ClusterPermission] {
        base(leaseNamespace: leaseNamespace) + (engine.map(Self.engine) ?? [])
    }

    /// What the GitOps sinks need besides: the engine's objects in its namespace only (see
    /// `deploy/examples/argocd-sink-rbac.yaml` and `flux-sink-rbac.yaml`); for Flux also the
    /// RoleBinding in each preview namespace, and `bind` on the one ClusterRole it references.
    public static func engine(_ engine: GitOpsEngine) -> [ClusterPermission] {
        switch engine.kind {
        case .argocd(let settings):
            var permissions = [ClusterPermission(group: "argoproj.io", resource: "applications", verbs: watched, namespace: settings.namespace)]
            if settings.project == nil {
                permissions.append(.init(group: "argoproj.io", resource: "appprojects", verbs: workload, namespace: settings.namespace))
            }
            return permissions
        case .flux(let settings):
            return [
                .init(group: "source.toolkit.fluxcd.io", resource: "gitrepositories", verbs: watched, namespace: settings.namespace),
                .init(group: "source.toolkit.fluxcd.io", resource: "helmrepositories", verbs: workload, namespace: settings.namespace),
                .init(group: "source.toolkit.fluxcd.io", resource: "ocirepositories", verbs: workload, namespace: settings.namespace),
                .init(group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations", verbs: watched, namespace: settings.namespace),
                .init(group: "helm.toolkit.fluxcd.io", resource: "helmreleases", verbs: watched, namespace: settings.namespace),
                .init(group: "rbac.authorization.k8s.io", resource: "rolebindings", verbs: workload),
                .init(group: "rbac.authorization.k8s.io", resource: "clusterroles", verbs: ["bind"], name: FluxDeployerRole.name),
            ]
        }
    }

    private static func base(leaseNamespace: String) -> [ClusterPermission] {
        [
            .init(group: "sandcastle.dev", resource: "previewenvironments", verbs: ["get", "list", "watch", "create", "patch", "delete"]),
            .init(group: "sandcastle.dev", resource: "previewenvironments/status", verbs: ["get", "patch"]),
            .init(group: "", resource: "namespaces", verbs: ["get", "list", "watch", "create", "patch", "delete"]),
            .init(group: "", resource: "configmaps", verbs: workload),
            .init(group: "", resource: "services", verbs: workload),
            .init(group: "", resource: "serviceaccounts", verbs: workload),
            .init(group: "", resource: "resourcequotas", verbs: workload),
            .init(group: "", resource: "limitranges", verbs: workload),
            .init(group: "", resource: "persistentvolumeclaims", verbs: workload),
            .init(group: "", resource: "secrets", verbs: ["get", "create", "patch", "delete"]),
            .init(group: "apps", resource: "deployments", verbs: watched),
            .init(group: "apps", resource: "statefulsets", verbs: watched),
            .init(group: "apps", resource: "daemonsets", verbs: ["get", "list", "watch"]),
            .init(group: "batch", resource: "jobs", verbs: watched),
            .init(group: "", resource: "pods", verbs: ["get", "list", "watch"]),
            .init(group: "", resource: "events", verbs: ["list"]),
            .init(group: "batch", resource: "cronjobs", verbs: workload),
            .init(group: "networking.k8s.io", resource: "networkpolicies", verbs: workload),
            .init(group: "networking.k8s.io", resource: "ingresses", verbs: watched),
            .init(group: "gateway.networking.k8s.io", resource: "httproutes", verbs: watched),
            .init(group: "external-secrets.io", resource: "externalsecrets", verbs: workload),
            .init(group: "policy", resource: "poddisruptionbudgets", verbs: workload),
            .init(group: "autoscaling", resource: "horizontalpodautoscalers", verbs: workload),
            .init(group: "coordination.k8s.io", resource: "leases", verbs: ["get", "create", "update"], namespace: leaseNamespace),
            .init(group: "events.k8s.io", resource: "events", verbs: ["create"], namespace: leaseNamespace),
            .init(group: "events.k8s.io", resource: "events", verbs: ["create"], namespace: eventNamespace),
        ]
    }
}
