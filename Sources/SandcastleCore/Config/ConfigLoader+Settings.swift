/// Reading the per-repository preview settings (`defaults` and each entry of `repositories`): YAML
/// into typed values. What the values must satisfy is checked after reading, in
/// `PreviewSettings+Validation` (the sub-sections' own rules still live with their readers).
extension ConfigLoader {
    static func readSettings(_ node: ConfigNode, extraKeys: [String] = [], reader: inout ConfigReader) -> PreviewSettings? {
        guard let fields = reader.mapping(node, allowed: extraKeys + settingsKeys) else { return nil }
        var s = PreviewSettings.builtin
        let before = reader.issues.count

        if let n = fields["trigger"],
            let t = reader.mapping(n, allowed: ["labels", "allowDrafts", "allowForks", "labelPermission", "requiredChecks"])
        {
            if let v = t["labels"], let labels = reader.strings(v) { s.trigger.labels = labels }
            if let v = t["allowDrafts"], let b = reader.bool(v) { s.trigger.allowDrafts = b }
            if let v = t["allowForks"], let b = reader.bool(v) { s.trigger.allowForks = b }
            if let v = t["requiredChecks"], let names = reader.strings(v) { s.trigger.requiredChecks = names }
            if let v = t["labelPermission"], let p = reader.choice(v, as: Permission.self) { s.trigger.labelPermission = p }
        }
        if let v = fields["namespaceTemplate"], let t = ConfigValidation.nameTemplate(v, kind: .namespace, reader: &reader) {
            s.namespaceTemplate = t
        }
        if let v = fields["hostTemplate"], let t = ConfigValidation.nameTemplate(v, kind: .host, reader: &reader) { s.hostTemplate = t }
        if let v = fields["domain"], let d = reader.string(v) { s.domain = d }
        if let v = fields["ttl"], let d = reader.duration(v) { s.ttl = d }
        if let v = fields["expiryWarning"], let d = reader.duration(v) { s.expiryWarning = d }
        if let n = fields["preserve"], let p = reader.mapping(n, allowed: ["label", "max"]) {
            if let v = p["label"], let l = reader.string(v) { s.preserve.label = l }
            if let v = p["max"], let d = reader.duration(v) { s.preserve.max = d }
        }
        if let v = fields["maxConcurrent"], let i = reader.int(v, in: 1...10_000) { s.maxConcurrent = i }
        if let v = fields["quota"], let q = ConfigValidation.quantities(v, reader: &reader) { s.quota = q }
        if let n = fields["limitRange"], let l = reader.mapping(n, allowed: ["defaultRequest", "default", "max"]) {
            if let v = l["defaultRequest"], let q = ConfigValidation.quantities(v, reader: &reader) { s.limitRange.defaultRequest = q }
            if let v = l["default"], let q = ConfigValidation.quantities(v, reader: &reader) { s.limitRange.defaultLimit = q }
            if let v = l["max"], let q = ConfigValidation.quantities(v, reader: &reader) { s.limitRange.max = q }
        }
        if let n = fields["networkPolicy"], let p = reader.mapping(n, allowed: ["mode", "ingressNamespace"]) {
            if let v = p["mode"], let m = reader.choice(v, as: NetworkPolicyMode.self) { s.networkPolicy.mode = m }
            if let v = p["ingressNamespace"], let ns = reader.string(v) { s.networkPolicy.ingressNamespace = ns }
        }
        if let v = fields["podSecurity"], let p = reader.choice(v, as: PodSecurityLevel.self) { s.podSecurity = p }
        if let n = fields["bundle"] { readBundle(n, into: &s.bundle, reader: &reader) }
        if let v = fields["images"] { readImages(v, into: &s, reader: &reader) }
        if let n = fields["database"] { readDatabase(n, into: &s.database, reader: &reader) }
        if let n = fields["hooks"], let h = reader.mapping(n, allowed: ["seed", "verify"]) {
            if let v = h["seed"] { s.hooks.seed = readHook(v, stage: "seed", reader: &reader) }
            if let v = h["verify"] { s.hooks.verify = readHook(v, stage: "verify", reader: &reader) }
        }
        readExposure(fields, into: &s, reader: &reader)
        if let n = fields["readiness"], let r = reader.mapping(n, allowed: ["timeout", "http"]) {
            if let v = r["timeout"], let d = reader.duration(v) { s.readiness.timeout = d }
            if let h = r["http"] { s.readiness.http = readHTTPCheck(h, reader: &reader) }
        }
        if let v = fields["values"], let values = reader.stringMap(v) { s.values = values }
        ConfigValidation.checkSettings(s, fields: fields, reader: &reader)
        return reader.issues.count == before ? s : nil
    }

    /// `readiness.http`: a URL template over the render variables, an expected status, an interval.
    private static func readHTTPCheck(_ node: ConfigNode, reader: inout ConfigReader) -> HTTPCheckSettings? {
        guard let h = reader.mapping(node, allowed: ["url", "expectStatus", "interval"]) else { return nil }
        guard let u = h["url"] else {
            reader.fail(node, "readiness.http needs a url, like '{{ url }}/healthz'")
            return nil
        }
        guard let text = reader.string(u) else { return nil }
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            reader.fail(u, error.message)
            return nil
        }
        let known: Set<String> = ["number", "owner", "repo", "sha", "shortSha", "namespace", "host", "url", "domain"]
        for unknown in template.unknownVariables(known: known) {
            reader.fail(u, "unknown variable '\(unknown.name)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        let sample = (try? template.render(Dictionary(uniqueKeysWithValues: known.map { ($0, "x") }))) ?? ""
        if !(sample.hasPrefix("http://") || sample.hasPrefix("https://") || text.hasPrefix("{{")) {
            reader.fail(u, "expected an http:// or https:// URL (or one starting with {{ url }})")
        }
        var check = HTTPCheckSettings(url: template)
        if let v = h["expectStatus"], let code = reader.int(v, in: 100...599) { check.expectStatus = code }
        if let v = h["interval"], let d = reader.duration(v) { check.interval = d }
        return check
    }

    private static func readDatabase(_ node: ConfigNode, into database: inout DatabaseSettings, reader: inout ConfigReader) {
        guard let d = reader.mapping(node, allowed: ["enabled", "postgres", "seed", "template", "retention", "quota"]) else { return }
        if let v = d["enabled"], let b = reader.bool(v) { database.enabled = b }
        if let n = d["postgres"], let p = reader.mapping(n, allowed: ["admin", "host"]) {
            let admin = p["admin"].flatMap { readSecret($0, reader: &reader) }
            if p["admin"] == nil {
                reader.fail(
                    path: p.path("admin"), line: n.line, "missing; expected {env: NAME} or {file: PATH} holding postgres://USER:PASSWORD@HOST:PORT/DB"
                )
            }
            var host: String?
            if let v = p["host"], let h = reader.string(v) { host = h }
            if let admin { database.postgres = PostgresServerSettings(admin: admin, host: host) }
        }
        if let v = d["seed"], let path = reader.string(v) { database.seed = path }
        if let v = d["template"], let b = reader.bool(v) { database.template = b }
        if let v = d["retention"], let r = reader.duration(v) { database.retention = r }
        if let v = d["quota"], let q = ConfigValidation.quantities(v, reader: &reader) { database.quota = q }
        if database.enabled, database.postgres == nil, d["postgres"] == nil {
            reader.fail(path: d.path("postgres"), line: node.line, "missing; a database needs postgres.admin")
        }
    }

    private static func readBundle(_ node: ConfigNode, into bundle: inout BundleSettings, reader: inout ConfigReader) {
        guard
            let b = reader.mapping(
                node,
                allowed: [
                    "path", "kind", "allowedKinds", "maxObjects", "maxObjectBytes", "allowedServiceTypes", "allowExternalIPs",
                    "allowedRouteAnnotations", "helm",
                ])
        else { return }
        if let v = b["path"], let p = reader.string(v) { bundle.path = p }
        if let v = b["kind"], let k = reader.choice(v, as: BundleKind.self) { bundle.kind = k }
        if let v = b["allowedKinds"], let kinds = reader.strings(v) { bundle.allowedKinds = kinds }
        if let v = b["maxObjects"], let i = reader.int(v, in: 1...5000) { bundle.maxObjects = i }
        if let v = b["maxObjectBytes"], let i = reader.int(v, in: 1024...1_048_576) { bundle.maxObjectBytes = i }
        if let v = b["allowedServiceTypes"], let types = reader.strings(v) { bundle.allowedServiceTypes = types }
        if let v = b["allowExternalIPs"], let flag = reader.bool(v) { bundle.allowExternalIPs = flag }
        if let v = b["allowedRouteAnnotations"], let patterns = reader.strings(v) { bundle.allowedRouteAnnotations = patterns }
        if let v = b["helm"] { readHelm(v, into: &bundle.helm, reader: &reader) }
    }

    /// `images` is a list of rules, or `{pins: [rules], lockFile, waitTimeout}`.
    private static func readImages(_ node: ConfigNode, into s: inout PreviewSettings, reader: inout ConfigReader) {
        if case .mapping = node.value {
            guard let f = reader.mapping(node, allowed: ["pins", "lockFile", "waitTimeout"]) else { return }
            if let v = f["pins"], let items = reader.sequence(v) { s.images = items.compactMap { readImage($0, reader: &reader) } }
            if let v = f["lockFile"], let path = reader.string(v) { s.imageOptions.lockFile = path }
            if let v = f["waitTimeout"], let d = reader.duration(v) { s.imageOptions.waitTimeout = d }
        } else if let items = reader.sequence(node) {
            s.images = items.compactMap { readImage($0, reader: &reader) }
        }
    }

    private static func readImage(_ node: ConfigNode, reader: inout ConfigReader) -> ImagePin? {
        guard let f = reader.mapping(node, allowed: ["name", "digest", "tag"]) else { return nil }
        guard let nameNode = f["name"], let name = reader.string(nameNode) else {
            if f["name"] == nil { reader.fail(node, "missing 'name'; expected an image like ghcr.io/acme/shop") }
            return nil
        }
        guard ImageReference(parsing: name)?.isBare == true else {
            reader.fail(nameNode, "'\(name)' is not an image name without tag or digest, like ghcr.io/acme/shop")
            return nil
        }
        var digest: String?
        if let v = f["digest"], let d = reader.string(v) {
            guard ImageReference.isDigest(d) else {
                reader.fail(v, "'\(d)' is not a digest; expected sha256: and 64 lowercase hex digits")
                return nil
            }
            digest = d
        }
        var tag: Template?
        if let v = f["tag"], let text = reader.string(v) {
            guard digest == nil else {
                reader.fail(v, "give 'digest' or 'tag', not both")
                return nil
            }
            do {
                let template = try Template(parsing: text)
                let known: Set<String> = ["number", "sha", "shortSha", "owner", "repo"]
                for unknown in template.unknownVariables(known: known) {
                    reader.fail(v, "unknown variable '\(unknown.name)' (known: \(known.sorted().joined(separator: ", ")))")
                }
                let sample =
                    (try? template.render([
                        "number": "42", "sha": String(repeating: "a", count: 40), "shortSha": "aaaaaaa", "owner": "o", "repo": "r",
                    ])) ?? ""
                if !ImageTags.isValidTag(sample) {
                    reader.fail(
                        v, "'\(text)' does not render to a valid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')")
                }
                tag = template
            } catch {
                reader.fail(v, "invalid template: \(error.message)")
            }
        }
        return ImagePin(name: name, digest: digest, tag: tag)
    }

    private static func readHook(_ node: ConfigNode, stage: String, reader: inout ConfigReader) -> JobHook? {
        let allowed = ["image", "command", "args", "env", "envFrom", "timeout"] + (stage == "verify" ? ["delay"] : [])
        guard let f = reader.mapping(node, allowed: allowed) else { return nil }
        guard let imageNode = f["image"], let image = reader.string(imageNode) else {
            if f["image"] == nil { reader.fail(node, "missing 'image'") }
            return nil
        }
        var hook = JobHook(image: image, command: [], timeout: JobHook.defaultTimeout)
        hook.command = f["command"].flatMap { reader.strings($0) } ?? []
        hook.args = f["args"].flatMap { reader.strings($0) } ?? []
        let known: Set<String> = ["number", "owner", "repo", "sha", "shortSha", "namespace", "host", "url", "domain"]
        for (field, texts) in [("command", hook.command), ("args", hook.args)] {
            for text in texts {
                do {
                    for unknown in try Template(parsing: text).unknownVariables(known: known) where !unknown.name.hasPrefix("values.") {
                        reader.fail(
                            f[field] ?? node, "unknown variable '\(unknown.name)' in '\(text)' (known: \(known.sorted().joined(separator: ", ")))")
                    }
                } catch {
                    reader.fail(f[field] ?? node, "'\(text)': \(error.message)")
                }
            }
        }
        if let n = f["timeout"], let timeout = reader.duration(n) { hook.timeout = timeout }
        if let n = f["delay"], let delay = reader.duration(n) { hook.delay = delay }
        for item in f["env"].flatMap({ reader.sequence($0) }) ?? [] {
            if let variable = readEnvVar(item, reader: &reader) { hook.env.append(variable) }
        }
        for item in f["envFrom"].flatMap({ reader.sequence($0) }) ?? [] {
            guard let e = reader.mapping(item, allowed: ["secretRef", "configMapRef"]) else { continue }
            let present = ["secretRef", "configMapRef"].compactMap { field in e[field].map { (field, $0) } }
            guard present.count == 1, let (field, refNode) = present.first else {
                reader.fail(item, "expected exactly one of 'secretRef' or 'configMapRef'")
                continue
            }
            guard let ref = reader.mapping(refNode, allowed: ["name"]), let nameNode = ref["name"], let name = reader.string(nameNode) else {
                reader.fail(refNode, "expected a mapping with 'name'")
                continue
            }
            hook.envFrom.append(HookEnvSource(kind: field == "secretRef" ? .secret : .configMap, name: name))
        }
        return hook
    }

    private static func readEnvVar(_ node: ConfigNode, reader: inout ConfigReader) -> HookEnvVar? {
        guard let e = reader.mapping(node, allowed: ["name", "value", "secretKeyRef", "configMapKeyRef"]) else { return nil }
        guard let nameNode = e["name"], let name = reader.string(nameNode) else {
            if e["name"] == nil { reader.fail(node, "missing 'name'") }
            return nil
        }
        let sources = ["value", "secretKeyRef", "configMapKeyRef"].filter { e[$0] != nil }
        guard sources.count == 1, let field = sources.first, let valueNode = e[field] else {
            reader.fail(node, "env '\(name)' needs exactly one of 'value', 'secretKeyRef' or 'configMapKeyRef'")
            return nil
        }
        if field == "value" {
            guard let value = reader.string(valueNode) else { return nil }
            return HookEnvVar(name: name, source: .value(value))
        }
        guard let ref = reader.mapping(valueNode, allowed: ["name", "key"]), let refName = ref["name"].flatMap({ reader.string($0) }),
            let key = ref["key"].flatMap({ reader.string($0) })
        else {
            reader.fail(valueNode, "expected a mapping with 'name' and 'key'")
            return nil
        }
        return HookEnvVar(name: name, source: field == "secretKeyRef" ? .secretKey(name: refName, key: key) : .configMapKey(name: refName, key: key))
    }
}
