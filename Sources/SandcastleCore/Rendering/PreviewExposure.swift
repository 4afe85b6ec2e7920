/// What Sandcastle renders so a preview is reachable and knows itself: the routes of its `expose`
/// entries (an Ingress or HTTPRoutes), the identity ConfigMap, the copied and external Secrets,
/// and the scheduling of every pod template.
public enum PreviewExposure {
    /// The label on the routes Sandcastle renders; only those gate readiness.
    public static let routeLabel = "sandcastle.dev/route"
    /// `"false"` on an Ingress that counts as ready without a load-balancer address.
    public static let waitForAddressAnnotation = "sandcastle.dev/wait-for-address"
    /// `NAMESPACE/NAME` of the Secret a placeholder is filled from when it is applied.
    public static let copyFromAnnotation = "sandcastle.dev/copy-from"
    /// The source's resourceVersion a copy was made from.
    public static let sourceVersionAnnotation = "sandcastle.dev/source-version"
    /// The identity ConfigMap's name.
    public static let identityName = "sandcastle-preview"

    /// The host of each `expose` entry, in order (the preview host for entries without one).
    public static func hosts(key: PreviewKey, settings: PreviewSettings) -> [(entry: ExposeEntry, host: String)] {
        let preview = PreviewNames(key: key, settings: settings).host
        return settings.expose.map { entry in
            guard let template = entry.host else { return (entry, preview) }
            let label = NameScheme.dnsLabel.name(for: key, template: template)
            return (entry, settings.domain.isEmpty ? label : "\(label).\(settings.domain)")
        }
    }

    /// The hosts a preview owns (its bundle's routes may use them and names under them): the
    /// preview host and every `expose` host.
    public static func ownedHosts(key: PreviewKey, settings: PreviewSettings) -> [String] {
        var hosts = [PreviewNames(key: key, settings: settings).host]
        for (_, host) in Self.hosts(key: key, settings: settings) where !hosts.contains(host) { hosts.append(host) }
        return hosts
    }

    /// Everything this file renders for `context`.
    public static func objects(for context: RenderContext) -> [Manifest] {
        routes(context) + [identity(context)] + copiedSecrets(context) + externalSecrets(context)
    }

    static func manifest(
        _ apiVersion: String, _ kind: String, _ name: String, _ context: RenderContext, labels: [String: String] = [:],
        annotations: [String: String] = [:], _ body: ManifestObject
    ) -> Manifest {
        var metadata: ManifestObject = ["name": .string(name), "namespace": .string(context.names.namespace)]
        metadata["labels"] = .strings(Ownership.labels(for: context.key).merging(labels) { _, extra in extra })
        if !annotations.isEmpty { metadata["annotations"] = .strings(annotations) }
        var object = ManifestObject([("apiVersion", .string(apiVersion)), ("kind", .string(kind)), ("metadata", .object(metadata))])
        for pair in body.pairs { object[pair.key] = pair.value }
        return Manifest(object: object, source: "sandcastle")
    }

    static func routes(_ context: RenderContext) -> [Manifest] {
        let entries = hosts(key: context.key, settings: context.settings)
        guard !entries.isEmpty else { return [] }
        let route = context.settings.route
        switch route.kind {
        case .ingress:
            var annotations = route.annotations
            if !route.waitForAddress { annotations[waitForAddressAnnotation] = "false" }
            var spec = ManifestObject()
            if let className = route.ingressClassName { spec["ingressClassName"] = .string(className) }
            if let secret = route.tlsSecretName {
                spec["tls"] = [["hosts": .array(uniqueHosts(entries).map(ManifestValue.string)), "secretName": .string(secret)]]
            }
            spec["rules"] = .array(
                entries.map { entry, host in
                    let port: ManifestValue =
                        switch entry.port {
                        case .number(let number): ["number": .int(number)]
                        case .name(let name): ["name": .string(name)]
                        }
                    return [
                        "host": .string(host),
                        "http": [
                            "paths": [["path": "/", "pathType": "Prefix", "backend": ["service": ["name": .string(entry.service), "port": port]]]]
                        ],
                    ]
                })
            return [
                manifest(
                    "networking.k8s.io/v1", "Ingress", "sandcastle-route", context, labels: [routeLabel: "true"], annotations: annotations,
                    ["spec": .object(spec)])
            ]
        case .httproute:
            var seen: [String: Int] = [:]
            return entries.map { entry, host in
                seen[entry.service, default: 0] += 1
                let name = "sandcastle-route-\(entry.service)" + (seen[entry.service]! > 1 ? "-\(seen[entry.service]!)" : "")
                let parents: [ManifestValue] = route.parentRefs.map { ref in
                    var parent: ManifestObject = ["name": .string(ref.name)]
                    if let namespace = ref.namespace { parent["namespace"] = .string(namespace) }
                    if let section = ref.sectionName { parent["sectionName"] = .string(section) }
                    return .object(parent)
                }
                let port: Int
                if case .number(let number) = entry.port { port = number } else { port = 80 }  // the config refuses named ports here
                return manifest(
                    "gateway.networking.k8s.io/v1", "HTTPRoute", String(name.prefix(253)), context, labels: [routeLabel: "true"],
                    [
                        "spec": [
                            "parentRefs": .array(parents), "hostnames": [.string(host)],
                            "rules": [["backendRefs": [["name": .string(entry.service), "port": .int(port)]]]],
                        ]
                    ])
            }
        }
    }

    private static func uniqueHosts(_ entries: [(entry: ExposeEntry, host: String)]) -> [String] {
        var hosts: [String] = []
        for (_, host) in entries where !hosts.contains(host) { hosts.append(host) }
        return hosts
    }

    /// `sandcastle-preview`: who the preview is, for workloads to load with `envFrom`.
    static func identity(_ context: RenderContext) -> Manifest {
        var data: [String: String] = [
            "PREVIEW_URL": "https://\(context.names.host)", "PREVIEW_HOST": context.names.host, "PREVIEW_NAMESPACE": context.names.namespace,
            "PREVIEW_REPOSITORY": context.key.repository.description, "PREVIEW_PR": String(context.key.number), "PREVIEW_SHA": context.sha,
        ]
        for (entry, host) in hosts(key: context.key, settings: context.settings) where host != context.names.host {
            let suffix = String(entry.service.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
            data["PREVIEW_URL_\(suffix)"] = "https://\(host)"
        }
        return manifest("v1", "ConfigMap", identityName, context, ["data": .strings(data)])
    }

    /// A placeholder per copied Secret (no data: the sink fills it from the source when it applies);
    /// none for a PR from a fork unless the entry allows it.
    static func copiedSecrets(_ context: RenderContext) -> [Manifest] {
        context.settings.secrets.filter { !context.fromFork || $0.allowForks }.map { copy in
            manifest("v1", "Secret", copy.name, context, annotations: [copyFromAnnotation: copy.source], ManifestObject())
        }
    }

    static func externalSecrets(_ context: RenderContext) -> [Manifest] {
        let variables = context.variables
        return context.settings.externalSecrets.map { template in
            let data: [ManifestValue] = template.data.map { entry in
                var remote: ManifestObject = ["key": .string((try? entry.remoteKey.render(variables)) ?? entry.remoteKey.source)]
                if let property = entry.property { remote["property"] = .string(property) }
                return ["secretKey": .string(entry.secretKey), "remoteRef": .object(remote)]
            }
            return manifest(
                "external-secrets.io/v1beta1", "ExternalSecret", template.name, context,
                [
                    "spec": [
                        "refreshInterval": .string(template.refreshInterval),
                        "secretStoreRef": ["name": .string(template.storeName), "kind": .string(template.storeKind)],
                        "target": ["name": .string(template.name), "creationPolicy": "Owner"], "data": .array(data),
                    ]
                ])
        }
    }

    /// Puts the scheduling settings into the pod template of `object`, if it has one: the node
    /// selector and priority class override the bundle's, tolerations are added.
    public static func schedule(_ object: inout Manifest, _ scheduling: SchedulingSettings) {
        guard !scheduling.isEmpty else { return }
        let path: String
        switch object.kind {
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job": path = "spec.template.spec"
        case "CronJob": path = "spec.jobTemplate.spec.template.spec"
        case "Pod": path = "spec"
        default: return
        }
        guard var spec = object.object.value(at: path)?.object else { return }
        if !scheduling.nodeSelector.isEmpty {
            var selector = spec["nodeSelector"]?.object ?? ManifestObject()
            for (key, value) in scheduling.nodeSelector.sorted(by: { $0.key < $1.key }) { selector[key] = .string(value) }
            spec["nodeSelector"] = .object(selector)
        }
        if !scheduling.tolerations.isEmpty {
            var tolerations = spec["tolerations"]?.array ?? []
            for toleration in scheduling.tolerations {
                var value = ManifestObject()
                if let key = toleration.key { value["key"] = .string(key) }
                if let op = toleration.operator { value["operator"] = .string(op) }
                if let v = toleration.value { value["value"] = .string(v) }
                if let effect = toleration.effect { value["effect"] = .string(effect) }
                if !tolerations.contains(.object(value)) { tolerations.append(.object(value)) }
            }
            spec["tolerations"] = .array(tolerations)
        }
        if let priority = scheduling.priorityClassName { spec["priorityClassName"] = .string(priority) }
        object.object.set(.object(spec), at: path)
    }
}
