/// Checks of `expose`, `route`, `secrets`, `externalSecrets` and `scheduling` once they are read
/// (`ConfigLoader+Exposure` only turns YAML into values of the right type). Each rule names the
/// field it came from. A list whose items did not all read is already an error: its per-item
/// rules are skipped rather than pinned on the wrong item.
extension ConfigValidation {
    /// Namespaces whose Secrets are never copied into a preview.
    static let protectedSecretNamespaces: Set<String> = ["kube-system", "kube-public", "kube-node-lease", "default", ClusterNamespaces.controller]

    static func checkExposure(_ s: PreviewSettings, fields: Fields, reader: inout ConfigReader) {
        let exposeItems = fields["expose"].map(Self.items) ?? []
        if let node = fields["expose"] {
            if !s.expose.isEmpty, !s.expose.contains(where: { $0.host == nil }) {
                reader.fail(node, "one entry must use the preview host (leave out 'host'): it is the URL Sandcastle reports")
            }
            var hosts = Set<String>()
            for (entry, item) in aligned(s.expose, exposeItems) where !hosts.insert(entry.host?.source ?? "").inserted {
                reader.fail(item, "two entries route the same host; give each its own 'host'")
            }
        }
        checkRoute(s.route, fields: fields, expose: s.expose, exposeItems: exposeItems, reader: &reader)
        if let node = fields["secrets"] {
            var names = Set<String>()
            for (copy, item) in aligned(s.secrets, Self.items(node)) {
                let f = children(item)
                if protectedSecretNamespaces.contains(copy.sourceNamespace) {
                    reader.fail(
                        f["from"] ?? item,
                        "Secrets of namespace '\(copy.sourceNamespace)' are never copied; keep preview secrets in a namespace of their own")
                } else if let nameNode = f["name"], !isDNSSubdomain(copy.name) || copy.name.hasPrefix("sandcastle-") {
                    reader.fail(nameNode, "'\(copy.name)' is not a Secret name Sandcastle may write (lowercase DNS name, not starting with sandcastle-)")
                } else if f["name"] == nil, copy.name.hasPrefix("sandcastle-") {
                    reader.fail(f["from"] ?? item, "names starting with sandcastle- are Sandcastle's own; rename the copy with 'name'")
                } else if !names.insert(copy.name).inserted {
                    reader.fail(item, "two secrets are copied to the name '\(copy.name)'; rename one with 'name'")
                }
            }
        }
        if let node = fields["externalSecrets"] {
            for (template, item) in aligned(s.externalSecrets, Self.items(node)) {
                let f = children(item)
                if !isDNSSubdomain(template.name) || template.name.hasPrefix("sandcastle-") {
                    reader.fail(f["name"] ?? item, "expected 'name': a Secret name not starting with sandcastle-")
                }
                if let kindNode = f["storeRef"].map(children)?["kind"], !["SecretStore", "ClusterSecretStore"].contains(template.storeKind) {
                    reader.fail(kindNode, "expected SecretStore or ClusterSecretStore")
                }
            }
        }
        if let node = fields["scheduling"] { checkScheduling(s.scheduling, children(node), reader: &reader) }
    }

    /// `route`: names the API server accepts; an HTTPRoute needs a Gateway and numbered ports.
    static func checkRoute(
        _ route: RouteSettings, fields: Fields, expose: [ExposeEntry], exposeItems: [ConfigNode], reader: inout ConfigReader
    ) {
        let nodes = fields["route"].map(children) ?? [:]
        if let node = nodes["ingressClassName"], let name = route.ingressClassName, !isDNSSubdomain(name) {
            reader.fail(node, "'\(name)' is not an IngressClass name")
        }
        if let node = nodes["tlsSecretName"], let name = route.tlsSecretName, !isDNSSubdomain(name) {
            reader.fail(node, "'\(name)' is not a Secret name")
        }
        for (ref, item) in aligned(route.parentRefs, nodes["parentRefs"].map(Self.items) ?? []) {
            if let namespace = ref.namespace, !NameScheme.dnsLabel.isValid(namespace) {
                reader.fail(children(item)["namespace"] ?? item, "'\(namespace)' is not a namespace name")
            }
        }
        guard route.kind == .httproute, !expose.isEmpty else { return }
        if route.parentRefs.isEmpty {
            reader.fail(fields["route"] ?? fields.node, "an httproute needs 'parentRefs' (the Gateway to attach to)")
        }
        for (entry, item) in aligned(expose, exposeItems) {
            if case .name = entry.port { reader.fail(item, "an HTTPRoute's backend port must be a number") }
        }
    }

    /// `scheduling`: a PriorityClass name; tolerations the scheduler understands.
    static func checkScheduling(_ scheduling: SchedulingSettings, _ nodes: [String: ConfigNode], reader: inout ConfigReader) {
        if let node = nodes["priorityClassName"], let name = scheduling.priorityClassName, !isDNSSubdomain(name) {
            reader.fail(node, "'\(name)' is not a PriorityClass name")
        }
        for (toleration, item) in aligned(scheduling.tolerations, nodes["tolerations"].map(Self.items) ?? []) {
            let f = children(item)
            if let node = f["operator"], let op = toleration.operator, !["Exists", "Equal"].contains(op) {
                reader.fail(node, "expected Exists or Equal")
            }
            if let node = f["effect"], let effect = toleration.effect, !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                reader.fail(node, "expected NoSchedule, PreferNoSchedule or NoExecute")
            }
        }
    }

    /// The items of a sequence node (none for anything else).
    static func items(_ node: ConfigNode) -> [ConfigNode] {
        guard case .sequence(let items) = node.value else { return [] }
        return items
    }

    /// Each read value with the node it was read from; empty when some items did not read (their
    /// error is already reported, and pairing the rest would name the wrong lines).
    static func aligned<Value>(_ values: [Value], _ nodes: [ConfigNode]) -> [(Value, ConfigNode)] {
        values.count == nodes.count ? Array(zip(values, nodes)) : []
    }
}
