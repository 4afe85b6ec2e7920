/// Reading `expose`, `route`, `secrets`, `externalSecrets` and `scheduling`.
extension ConfigLoader {
    /// Reads the fields; ``ConfigValidation/checkExposure(_:fields:reader:)`` checks them after.
    static func readExposure(_ fields: Fields, into s: inout PreviewSettings, reader: inout ConfigReader) {
        if let v = fields["expose"], let items = reader.sequence(v) { s.expose = items.compactMap { readExposeEntry($0, reader: &reader) } }
        if let n = fields["route"] { readRoute(n, into: &s.route, reader: &reader) }
        if let v = fields["secrets"], let items = reader.sequence(v) { s.secrets = items.compactMap { readSecretCopy($0, reader: &reader) } }
        if let v = fields["externalSecrets"], let items = reader.sequence(v) {
            s.externalSecrets = items.compactMap { readExternalSecret($0, reader: &reader) }
        }
        if let n = fields["scheduling"] { readScheduling(n, into: &s.scheduling, reader: &reader) }
    }

    private static func readExposeEntry(_ node: ConfigNode, reader: inout ConfigReader) -> ExposeEntry? {
        guard let f = reader.mapping(node, allowed: ["service", "port", "host"]) else { return nil }
        guard let serviceNode = f["service"], let service = reader.string(serviceNode) else {
            if f["service"] == nil { reader.fail(node, "missing 'service'") }
            return nil
        }
        guard NameScheme.dnsLabel.isValid(service) else {
            reader.fail(serviceNode, "'\(service)' is not a Service name")
            return nil
        }
        guard let portNode = f["port"] else {
            reader.fail(node, "missing 'port' (a number, or the Service port's name)")
            return nil
        }
        let port: ExposeEntry.Port
        if let text = reader.string(portNode) {
            if let number = Int(text) {
                guard (1...65535).contains(number) else {
                    reader.fail(portNode, "expected a port from 1 to 65535")
                    return nil
                }
                port = .number(number)
            } else if NameScheme.dnsLabel.isValid(text), text.count <= 15 {
                port = .name(text)
            } else {
                reader.fail(portNode, "'\(text)' is neither a port number nor a port name")
                return nil
            }
        } else {
            return nil
        }
        var entry = ExposeEntry(service: service, port: port)
        if let v = f["host"] {
            guard let template = ConfigValidation.nameTemplate(v, kind: .host, reader: &reader) else { return nil }
            entry.host = template
        }
        return entry
    }

    private static func readRoute(_ node: ConfigNode, into r: inout RouteSettings, reader: inout ConfigReader) {
        let allowed = ["kind", "ingressClassName", "annotations", "tlsSecretName", "waitForAddress", "parentRefs"]
        guard let f = reader.mapping(node, allowed: allowed) else { return }
        if let v = f["kind"], let kind = reader.choice(v, as: RouteSettings.Kind.self) { r.kind = kind }
        if let v = f["ingressClassName"], let name = reader.string(v) { r.ingressClassName = name }
        if let v = f["annotations"], let map = reader.stringMap(v) { r.annotations = map }
        if let v = f["tlsSecretName"], let name = reader.string(v) { r.tlsSecretName = name }
        if let v = f["waitForAddress"], let b = reader.bool(v) { r.waitForAddress = b }
        if let v = f["parentRefs"], let items = reader.sequence(v) {
            r.parentRefs = items.compactMap { item in
                guard let p = reader.mapping(item, allowed: ["name", "namespace", "sectionName"]) else { return nil }
                guard let name = p["name"].flatMap({ reader.string($0) }) else {
                    if p["name"] == nil { reader.fail(item, "missing 'name' (the Gateway)") }
                    return nil
                }
                var ref = RouteSettings.ParentRef(name: name)
                if let v = p["namespace"], let ns = reader.string(v) { ref.namespace = ns }
                if let v = p["sectionName"], let section = reader.string(v) { ref.sectionName = section }
                return ref
            }
        }
    }

    private static func readSecretCopy(_ node: ConfigNode, reader: inout ConfigReader) -> SecretCopy? {
        guard let f = reader.mapping(node, allowed: ["from", "name", "allowForks"]) else { return nil }
        guard let fromNode = f["from"], let from = reader.string(fromNode) else {
            if f["from"] == nil { reader.fail(node, "missing 'from' (NAMESPACE/NAME of the source Secret)") }
            return nil
        }
        let parts = from.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, NameScheme.dnsLabel.isValid(parts[0]), ConfigValidation.isDNSSubdomain(parts[1]) else {
            reader.fail(fromNode, "'\(from)' is not NAMESPACE/NAME of a Secret")
            return nil
        }
        var copy = SecretCopy(sourceNamespace: parts[0], sourceName: parts[1], name: parts[1])
        if let v = f["name"], let name = reader.string(v) { copy.name = name }
        if let v = f["allowForks"], let b = reader.bool(v) { copy.allowForks = b }
        return copy
    }

    private static func readExternalSecret(_ node: ConfigNode, reader: inout ConfigReader) -> ExternalSecretTemplate? {
        guard let f = reader.mapping(node, allowed: ["name", "storeRef", "refreshInterval", "data"]) else { return nil }
        guard let nameNode = f["name"], let name = reader.string(nameNode) else {
            reader.fail(f["name"] ?? node, "expected 'name': a Secret name not starting with sandcastle-")
            return nil
        }
        guard let storeNode = f["storeRef"], let store = reader.mapping(storeNode, allowed: ["name", "kind"]),
            let storeName = store["name"].flatMap({ reader.string($0) })
        else {
            reader.fail(f["storeRef"] ?? node, "expected 'storeRef: {name, kind}'")
            return nil
        }
        var storeKind = "ClusterSecretStore"
        if let v = store["kind"], let kind = reader.string(v) { storeKind = kind }
        var template = ExternalSecretTemplate(name: name, storeName: storeName, storeKind: storeKind, data: [])
        if let v = f["refreshInterval"], let d = reader.duration(v) { template.refreshInterval = d.description }
        for item in f["data"].flatMap({ reader.sequence($0) }) ?? [] {
            guard let e = reader.mapping(item, allowed: ["secretKey", "remoteKey", "property"]),
                let secretKey = e["secretKey"].flatMap({ reader.string($0) }), let keyNode = e["remoteKey"], let remote = reader.string(keyNode)
            else {
                reader.fail(item, "expected {secretKey, remoteKey, property?}")
                continue
            }
            do {
                let parsed = try Template(parsing: remote)
                for unknown in parsed.unknownVariables(known: ConfigValidation.nameVariables) {
                    reader.fail(keyNode, "unknown variable '\(unknown.name)' (known: number, owner, repo)")
                }
                template.data.append(.init(secretKey: secretKey, remoteKey: parsed, property: e["property"].flatMap { reader.string($0) }))
            } catch {
                reader.fail(keyNode, "invalid template: \(error.message)")
            }
        }
        if template.data.isEmpty { reader.fail(f["data"] ?? node, "expected at least one 'data' entry") }
        return template
    }

    private static func readScheduling(_ node: ConfigNode, into s: inout SchedulingSettings, reader: inout ConfigReader) {
        guard let f = reader.mapping(node, allowed: ["nodeSelector", "tolerations", "priorityClassName"]) else { return }
        if let v = f["nodeSelector"], let map = reader.stringMap(v) { s.nodeSelector = map }
        if let v = f["priorityClassName"], let name = reader.string(v) { s.priorityClassName = name }
        for item in f["tolerations"].flatMap({ reader.sequence($0) }) ?? [] {
            guard let t = reader.mapping(item, allowed: ["key", "operator", "value", "effect"]) else { continue }
            var toleration = SchedulingSettings.Toleration()
            toleration.key = t["key"].flatMap { reader.string($0) }
            toleration.operator = t["operator"].flatMap { reader.string($0) }
            toleration.value = t["value"].flatMap { reader.string($0) }
            toleration.effect = t["effect"].flatMap { reader.string($0) }
            s.tolerations.append(toleration)
        }
    }
}
