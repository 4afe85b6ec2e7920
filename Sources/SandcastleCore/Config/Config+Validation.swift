/// Checks of configuration values beyond their YAML type, each naming the field it concerns.
enum ConfigValidation {
    enum NameKind { case namespace, host }

    /// Variables a namespace or host template may use.
    static let nameVariables: Set<String> = ["number", "owner", "repo"]

    /// Parses a namespace or host template and checks that it always yields a safe, unique name.
    static func nameTemplate(_ node: ConfigNode, kind: NameKind, reader: inout ConfigReader) -> Template? {
        guard let text = reader.string(node) else { return nil }
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            reader.fail(node, "invalid template: \(error.message)")
            return nil
        }
        var ok = true
        for (name, _) in template.unknownVariables(known: nameVariables) {
            reader.fail(node, "unknown variable '\(name)' in template; expected number, owner or repo")
            ok = false
        }
        if template.variables.filter({ $0 == "number" }).isEmpty {
            reader.fail(node, "the template must contain {{number}} so that every PR gets its own name")
            ok = false
        }
        for case .literal(let literal) in template.parts
        where !literal.unicodeScalars.allSatisfy({ $0.isLowerAlphanumeric || $0 == "-" }) || literal.contains("--") {
            reader.fail(node, "'\(literal)' may hold only lowercase letters, digits and single '-'")
            ok = false
        }
        if kind == .namespace {
            guard case .literal(let prefix)? = template.parts.first, prefix.unicodeScalars.first?.isASCIILetter == true,
                prefix.count <= 20
            else {
                reader.fail(node, "a namespace template must start with a fixed prefix of 1 to 20 characters beginning with a letter, like pr-")
                return nil
            }
            if prefix.hasPrefix("kube-") || prefix.hasPrefix("openshift-") || prefix.hasPrefix("default") {
                reader.fail(node, "the prefix '\(prefix)' is reserved for system namespaces")
                ok = false
            }
        }
        return ok ? template : nil
    }

    /// A Kubernetes resource quantity such as `500m`, `2`, `4Gi` or `1e3`.
    static func isQuantity(_ text: String) -> Bool {
        text.wholeMatch(of: /[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?/) != nil
    }

    /// A mapping of resource names to quantities.
    static func quantities(_ node: ConfigNode, reader: inout ConfigReader) -> [String: String]? {
        guard let map = reader.stringMap(node) else { return nil }
        var ok = true
        for (key, value) in map.sorted(by: { $0.key < $1.key }) where !isQuantity(value) {
            reader.fail(
                path: "\(node.path).\(key)", line: node.line,
                "'\(value)' is not a quantity; expected a number with an optional unit like 500m, 2 or 4Gi")
            ok = false
        }
        return ok ? map : nil
    }

    /// TTL, warning and pin must make sense together.
    static func checkLifetimes(_ s: PreviewSettings, fields: Fields, reader: inout ConfigReader) {
        if s.expiryWarning >= s.ttl {
            let node = fields["expiryWarning"] ?? fields["ttl"] ?? fields.node
            reader.fail(node, "expiryWarning (\(s.expiryWarning)) must be shorter than ttl (\(s.ttl))")
        }
        if s.preserve.max < s.ttl {
            let node = fields["preserve"] ?? fields["ttl"] ?? fields.node
            reader.fail(node, "preserve.max (\(s.preserve.max)) must be at least ttl (\(s.ttl))")
        }
    }

    /// Two repositories must never be able to render the same namespace or host.
    static func checkNamespaceCollisions(_ repos: [(RepositoryConfig, ConfigNode)], reader: inout ConfigReader) {
        var namespaces: [String: RepositoryName] = [:]
        var hosts: [String: RepositoryName] = [:]
        for (repo, node) in repos {
            let names = PreviewNames(key: PreviewKey(repository: repo.name, number: 1), settings: repo.settings)
            if let other = namespaces[names.namespace] {
                reader.fail(
                    node, "'\(repo.name)' and '\(other)' would share namespaces like '\(names.namespace)'; add {{owner}} to namespaceTemplate")
            }
            if let other = hosts[names.host] {
                reader.fail(
                    node, "'\(repo.name)' and '\(other)' would share hosts like '\(names.host)'; add {{owner}} to hostTemplate or use another domain")
            }
            namespaces[names.namespace] = repo.name
            hosts[names.host] = repo.name
        }
    }

    static func isDNSSubdomain(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 190 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { NameScheme.dnsLabel.isValid(String($0)) }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(" ") && text.count > 8
    }

    /// `HOST` or `HOST:PORT` (a DNS name or IPv4 address, port 1–65535).
    static func isHostPort(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
        else { return false }
        if parts.count == 2 { return Int(parts[1]).map { (1...65535).contains($0) } ?? false }
        return true
    }

    static func isEnvironmentName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    /// A relative path that stays inside its root: no leading `/`, no `..` component.
    static func isRelativeInnerPath(_ text: String) -> Bool {
        !text.isEmpty && !text.hasPrefix("/") && !text.split(separator: "/").contains("..")
    }
}
