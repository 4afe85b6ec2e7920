/// Checks of a repository's settings once they are read: each rule looks at a read value and, when
/// it is wrong, names the field it came from (file, path and line). Reading
/// (`ConfigLoader+Settings`) only turns YAML into values of the right type.
extension ConfigValidation {
    /// Every problem of `s`, read from `fields`, reported on `reader`.
    static func checkSettings(_ s: PreviewSettings, fields: Fields, reader: inout ConfigReader) {
        let trigger = fields["trigger"].map(Self.children) ?? [:]
        if let node = trigger["labels"], s.trigger.labels.contains(where: { $0.isEmpty || $0.count > 50 }) {
            reader.fail(node, "labels must be 1 to 50 characters")
        }
        if let node = trigger["requiredChecks"], s.trigger.requiredChecks.contains(where: { $0.isEmpty || $0.count > 200 }) {
            reader.fail(node, "check names must be 1 to 200 characters")
        }
        if let node = trigger["labelPermission"], s.trigger.labelPermission == .none {
            reader.fail(node, "'none' would let anyone trigger a preview; expected read or higher")
        }
        if let node = fields["domain"], !isDNSSubdomain(s.domain) {
            reader.fail(node, "'\(s.domain)' is not a lowercase DNS domain like preview.example.com")
        }
        let ttlRefused = fields["ttl"] != nil && s.ttl.seconds < 600
        if let node = fields["ttl"], ttlRefused { reader.fail(node, "expected at least 10m") }
        if let node = fields["networkPolicy"].map(Self.children)?["ingressNamespace"], !NameScheme.dnsLabel.isValid(s.networkPolicy.ingressNamespace) {
            reader.fail(node, "'\(s.networkPolicy.ingressNamespace)' is not a namespace name")
        }
        let readiness = fields["readiness"].map(Self.children) ?? [:]
        if let node = readiness["timeout"], s.readiness.timeout.seconds < 1 || s.readiness.timeout.seconds > 6 * 3600 {
            reader.fail(node, "expected between 1s and 6h")
        }
        if let node = readiness["http"].map(Self.children)?["interval"], let http = s.readiness.http, http.interval.seconds < 1 {
            reader.fail(node, "expected at least 1s")
        }
        if let node = fields["values"] {
            for key in s.values.keys.sorted() where !Template.isValidVariableName(key) || key.contains(".") {
                reader.fail(path: "\(node.path).\(key)", line: node.line, "value names are letters, digits, '_' and '-'")
            }
        }
        checkExposure(s, fields: fields, reader: &reader)
        if let hooks = fields["hooks"] { checkHooks(s.hooks, children(hooks), reader: &reader) }
        checkBundle(s.bundle, fields["bundle"].map(Self.children) ?? [:], reader: &reader)
        checkDatabase(s.database, fields["database"].map(Self.children) ?? [:], reader: &reader)
        let images = fields["images"].map(Self.children) ?? [:]
        if let node = images["lockFile"], let path = s.imageOptions.lockFile,
            path.hasPrefix("/") || path.split(separator: "/").contains("..") || path.isEmpty
        {
            reader.fail(node, "expected a relative path inside the repository, like deploy/preview/images.lock.yaml")
        }
        if let node = images["waitTimeout"], s.imageOptions.waitTimeout.seconds < 10 || s.imageOptions.waitTimeout.seconds > 24 * 3600 {
            reader.fail(node, "expected between 10s and 24h")
        }
        // A refused ttl is one problem, not also the cause of the lifetime checks.
        var lifetimes = s
        if ttlRefused { lifetimes.ttl = PreviewSettings.builtin.ttl }
        checkLifetimes(lifetimes, fields: fields, reader: &reader)
    }

    /// `bundle`: a path inside the repository, namespaced kinds written with their group, known
    /// Service types.
    static func checkBundle(_ bundle: BundleSettings, _ nodes: [String: ConfigNode], reader: inout ConfigReader) {
        if let node = nodes["path"], !isRelativeInnerPath(bundle.path) {
            reader.fail(node, "'\(bundle.path)' must be a relative path inside the repository")
        }
        if let node = nodes["allowedKinds"] {
            let kinds = bundle.allowedKinds
            let clusterScoped = kinds.filter { BundleContract.clusterScopedKinds.contains(BundleContract.qualified($0)?.kind ?? $0) }
            let unqualified = kinds.filter { BundleContract.qualified($0) == nil }
            if !clusterScoped.isEmpty {
                reader.fail(node, "cluster-scoped kinds cannot be allowed: \(clusterScoped.joined(separator: ", "))")
            } else if !unqualified.isEmpty {
                reader.fail(
                    node, "\(unqualified.joined(separator: ", ")): not a built-in kind; write it with its API group, e.g. example.com/\(unqualified[0])")
            }
        }
        if let helm = nodes["helm"] { checkHelm(bundle.helm, children(helm), reader: &reader) }
        if let node = nodes["allowedServiceTypes"] {
            let unknown = bundle.allowedServiceTypes.filter { !["NodePort", "LoadBalancer", "ExternalName"].contains($0) }
            if !unknown.isEmpty { reader.fail(node, "expected NodePort, LoadBalancer or ExternalName, found \(unknown.joined(separator: ", "))") }
        }
    }

    /// `database`: a seed path inside the repository, a server as HOST or HOST:PORT.
    static func checkDatabase(_ database: DatabaseSettings, _ nodes: [String: ConfigNode], reader: inout ConfigReader) {
        if let node = nodes["seed"], let seed = database.seed, !isRelativeInnerPath(seed) {
            reader.fail(node, "'\(seed)' must be a relative path inside the repository, without '..'")
        }
        if let node = nodes["postgres"].map(Self.children)?["host"], let host = database.postgres?.host, !isHostPort(host) {
            reader.fail(node, "'\(host)' is not HOST or HOST:PORT")
        }
    }

    /// The children of a mapping node, by key (none for any other node).
    static func children(_ node: ConfigNode) -> [String: ConfigNode] {
        guard case .mapping(let pairs) = node.value else { return [:] }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
