/// The built-in values used for every key that neither `defaults` nor a repository sets.
extension PreviewSettings {
    /// Conservative defaults: label-triggered, no drafts or forks, isolated network, baseline pod security.
    public static let builtin = PreviewSettings(
        trigger: TriggerSettings(labels: ["preview"], allowDrafts: false, allowForks: false, labelPermission: .write),
        namespaceTemplate: try! Template(parsing: "pr-{{number}}-{{repo}}"),
        hostTemplate: try! Template(parsing: "{{repo}}-pr-{{number}}"),
        domain: "preview.localhost",
        ttl: ConfigDuration(seconds: 72 * 3600),
        expiryWarning: ConfigDuration(seconds: 12 * 3600),
        preserve: PreserveSettings(label: "preserve", max: ConfigDuration(seconds: 14 * 86_400)),
        maxConcurrent: 10,
        quota: [
            "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi",
            "pods": "20", "services": "10", "persistentvolumeclaims": "5", "requests.storage": "20Gi",
        ],
        limitRange: LimitRangeSettings(
            defaultRequest: ["cpu": "50m", "memory": "64Mi"],
            defaultLimit: ["cpu": "500m", "memory": "512Mi"],
            max: ["cpu": "2", "memory": "4Gi"]
        ),
        networkPolicy: NetworkPolicySettings(mode: .isolated, ingressNamespace: "ingress-nginx"),
        podSecurity: .baseline,
        bundle: BundleSettings(
            path: "deploy/preview", kind: .kustomize, allowedKinds: BundleSettings.defaultAllowedKinds,
            maxObjects: 100, maxObjectBytes: 256 * 1024
        ),
        images: [],
        database: DatabaseSettings(enabled: false),
        hooks: HookSettings(seed: nil, verify: nil),
        readiness: ReadinessSettings(timeout: ConfigDuration(seconds: 600)),
        values: [:]
    )
}

extension BundleSettings {
    /// Namespaced kinds an application bundle ordinarily needs. RBAC, quota and policy objects are
    /// Sandcastle's to write, so they are not on the list.
    public static let defaultAllowedKinds = [
        "ConfigMap", "Secret", "Service", "Deployment", "StatefulSet", "Job", "CronJob", "Ingress",
        "PersistentVolumeClaim", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount",
    ]
}

extension ForgeConfig {
    public static let builtin = ForgeConfig(apiURL: "https://api.github.com", auth: .none, webhookSecret: nil)
}

extension JobHook {
    /// Hook Jobs that do not say otherwise are given ten minutes.
    public static let defaultTimeout = ConfigDuration(seconds: 600)
}
