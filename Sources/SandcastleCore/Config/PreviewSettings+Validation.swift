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
        // A refused ttl is one problem, not also the cause of the lifetime checks.
        var lifetimes = s
        if ttlRefused { lifetimes.ttl = PreviewSettings.builtin.ttl }
        checkLifetimes(lifetimes, fields: fields, reader: &reader)
    }

    /// The children of a mapping node, by key (none for any other node).
    static func children(_ node: ConfigNode) -> [String: ConfigNode] {
        guard case .mapping(let pairs) = node.value else { return [:] }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
