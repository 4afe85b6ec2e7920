/// The objects Sandcastle adds to every preview: namespace, service account, quota, limits and
/// network isolation.
public enum Baselines {
    /// All baseline objects for the preview described by `context`.
    public static func objects(for context: RenderContext) -> [Manifest] {
        let s = context.settings
        var out = [namespace(context), serviceAccount(context)]
        // Each enabled database grows the quota by its increments.
        let quota = s.database.enabled ? Quantity.add(s.database.quota, to: s.quota) : s.quota
        if !quota.isEmpty {
            out.append(object("v1", "ResourceQuota", "sandcastle-quota", context, ["spec": ["hard": .strings(quota)]]))
        }
        var limit = ManifestObject([(key: "type", value: "Container")])
        if !s.limitRange.defaultLimit.isEmpty { limit["default"] = .strings(s.limitRange.defaultLimit) }
        if !s.limitRange.defaultRequest.isEmpty { limit["defaultRequest"] = .strings(s.limitRange.defaultRequest) }
        if !s.limitRange.max.isEmpty { limit["max"] = .strings(s.limitRange.max) }
        if limit.pairs.count > 1 {
            out.append(object("v1", "LimitRange", "sandcastle-limits", context, ["spec": ["limits": [.object(limit)]]]))
        }
        out += networkPolicies(context)
        return out
    }

    static func namespace(_ context: RenderContext) -> Manifest {
        var labels = Ownership.labels(for: context.key)
        let level = context.settings.podSecurity.rawValue
        labels["pod-security.kubernetes.io/enforce"] = level
        labels["pod-security.kubernetes.io/enforce-version"] = "latest"
        labels["pod-security.kubernetes.io/warn"] = "restricted"
        labels["pod-security.kubernetes.io/audit"] = "restricted"
        let annotations = [
            Ownership.repositoryAnnotation: context.key.repository.description,
            Ownership.headSHAAnnotation: context.sha,
            Ownership.hostAnnotation: context.names.host,
        ]
        let metadata: ManifestValue = ["name": .string(context.names.namespace), "labels": .strings(labels), "annotations": .strings(annotations)]
        return Manifest(object: ManifestObject([("apiVersion", "v1"), ("kind", "Namespace"), ("metadata", metadata)]), source: "sandcastle")
    }

    /// The namespace's `default` service account, with token automounting off (safety rule 5).
    static func serviceAccount(_ context: RenderContext) -> Manifest {
        var body: ManifestObject = ["automountServiceAccountToken": false]
        if let pull = context.pullSecretName { body["imagePullSecrets"] = [["name": .string(pull)]] }
        return object("v1", "ServiceAccount", "default", context, .object(body))
    }

    /// The namespaces whose pods may reach the preview's: the ingress controller's and, for
    /// HTTPRoutes, each Gateway's.
    static func ingressSources(_ context: RenderContext) -> [String] {
        var namespaces = [context.settings.networkPolicy.ingressNamespace]
        if context.settings.route.kind == .httproute, !context.settings.expose.isEmpty {
            for ref in context.settings.route.parentRefs {
                let namespace = ref.namespace ?? context.names.namespace
                if !namespaces.contains(namespace) { namespaces.append(namespace) }
            }
        }
        return namespaces
    }

    static func networkPolicies(_ context: RenderContext) -> [Manifest] {
        let mode = context.settings.networkPolicy.mode
        guard mode != .off else { return [] }
        let types: ManifestValue = mode == .isolated ? ["Ingress", "Egress"] : ["Ingress"]
        let everyPod: ManifestValue = .object(ManifestObject())
        var out = [
            policy("sandcastle-default-deny", context, ["podSelector": everyPod, "policyTypes": types]),
            policy("sandcastle-allow-same-namespace", context, sameNamespace(mode)),
            policy(
                "sandcastle-allow-ingress-controller", context,
                [
                    "podSelector": everyPod, "policyTypes": ["Ingress"],
                    "ingress": [
                        [
                            "from": .array(
                                ingressSources(context).map { ["namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": .string($0)]]] })
                        ]
                    ],
                ]),
        ]
        if mode == .isolated {
            out.append(
                policy(
                    "sandcastle-allow-dns", context,
                    [
                        "podSelector": everyPod, "policyTypes": ["Egress"],
                        "egress": [
                            [
                                "to": [
                                    [
                                        "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "kube-system"]],
                                        "podSelector": ["matchLabels": ["k8s-app": "kube-dns"]],
                                    ]
                                ],
                                "ports": [["protocol": "UDP", "port": 53], ["protocol": "TCP", "port": 53]],
                            ]
                        ],
                    ]))
        }
        return out
    }

    private static func sameNamespace(_ mode: NetworkPolicyMode) -> ManifestObject {
        let everyPod: ManifestValue = .object(ManifestObject())
        var spec = ManifestObject([("podSelector", everyPod)])
        spec["policyTypes"] = mode == .isolated ? ["Ingress", "Egress"] : ["Ingress"]
        spec["ingress"] = [["from": [["podSelector": everyPod]]]]
        if mode == .isolated { spec["egress"] = [["to": [["podSelector": everyPod]]]] }
        return spec
    }

    private static func policy(_ name: String, _ context: RenderContext, _ spec: ManifestObject) -> Manifest {
        object("networking.k8s.io/v1", "NetworkPolicy", name, context, ["spec": .object(spec)])
    }

    static func object(_ apiVersion: String, _ kind: String, _ name: String, _ context: RenderContext, _ body: ManifestValue) -> Manifest {
        let metadata: ManifestValue = [
            "name": .string(name), "namespace": .string(context.names.namespace),
            "labels": .strings(Ownership.labels(for: context.key)),
        ]
        var object = ManifestObject([("apiVersion", .string(apiVersion)), ("kind", .string(kind)), ("metadata", metadata)])
        for (key, value) in body.object?.pairs ?? [] { object[key] = value }
        return Manifest(object: object, source: "sandcastle")
    }
}
