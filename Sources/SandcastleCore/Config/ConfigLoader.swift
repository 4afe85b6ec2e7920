import Foundation
import Yams

/// Turns `sandcastle.yaml` text into a ``SandcastleConfig``, or a ``ConfigError`` listing every problem.
public enum ConfigLoader {
    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigError) -> SandcastleConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(issues: [ConfigIssue(file: path, path: "", line: nil, message: "cannot read the file (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(file: path, path: "", line: nil, message: "the file is not UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    /// Parses configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> SandcastleConfig {
        var reader = ConfigReader(file: file)
        // Refused before the parser sees them: an alias bomb must not be expanded, not even once.
        if let line = YAMLAnchorScan.firstAnchorOrAlias(in: text) {
            throw ConfigError(issues: [ConfigIssue(file: file, path: "", line: line, message: "YAML anchors and aliases are not supported")])
        }
        let root: ConfigNode
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(issues: [ConfigIssue(file: file, path: "", line: nil, message: "the file is empty")])
            }
            var issues: [ConfigIssue] = []
            root = ConfigNode(yaml: node, path: "", file: file, issues: &issues)
            reader.append(issues)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: file, path: "", line: yamlLine(error), message: "not valid YAML: \(yamlProblem(error))")])
        }
        let config = read(root, reader: &reader)
        var seen = Set<ConfigIssue>()
        let issues = reader.issues.filter { seen.insert($0).inserted }
        guard issues.isEmpty, let config else {
            throw ConfigError(issues: issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return config
    }

    private static func read(_ root: ConfigNode, reader: inout ConfigReader) -> SandcastleConfig? {
        guard
            let top = reader.mapping(root, allowed: ["apiVersion", "kind", "forge", "sink", "controller", "defaults", "repositories", "registries"])
        else {
            return nil
        }
        for (key, expected) in [("apiVersion", SandcastleConfig.apiVersion), ("kind", SandcastleConfig.kind)] {
            if let node = top[key] {
                if let value = reader.string(node), value != expected { reader.fail(node, "expected '\(expected)', found '\(value)'") }
            } else {
                reader.fail(path: key, line: nil, "missing; expected '\(expected)'")
            }
        }
        let forge = top["forge"].flatMap { readForge($0, reader: &reader) } ?? .builtin
        ConfigValidation.checkForge(forge, top["forge"], reader: &reader)
        let sink = top["sink"].flatMap { readSink($0, reader: &reader) } ?? SinkConfig(kind: .cluster, path: nil, isDefault: true)
        let controller = top["controller"].flatMap { readController($0, reader: &reader) } ?? ControllerSettings()

        let emptyDefaults = ConfigNode(value: .mapping([]), path: "defaults", line: nil)
        let defaultsNode = top["defaults"] ?? emptyDefaults
        let defaults = readSettings(defaultsNode, reader: &reader)

        var repositories: [RepositoryConfig] = []
        var repositoryNodes: [ConfigNode] = []
        guard let repoNodes = top["repositories"].flatMap({ reader.sequence($0) }) else {
            if top["repositories"] == nil { reader.fail(path: "repositories", line: nil, "missing; expected a list of repositories") }
            return nil
        }
        if repoNodes.isEmpty { reader.fail(path: "repositories", line: top["repositories"]?.line, "expected at least one repository") }
        for node in repoNodes {
            guard case .mapping(let pairs) = node.value else {
                reader.fail(node, "expected a mapping with 'name' and settings, found \(node.kindName)")
                continue
            }
            guard let nameNode = pairs.first(where: { $0.key == "name" })?.value else {
                reader.fail(node, "missing 'name'; expected OWNER/NAME")
                continue
            }
            guard let text = reader.string(nameNode) else { continue }
            guard let name = RepositoryName(parsing: text) else {
                reader.fail(nameNode, "'\(text)' is not a repository; expected OWNER/NAME as on GitHub")
                continue
            }
            if repositories.contains(where: { $0.name == name }) {
                reader.fail(nameNode, "repository '\(name)' is listed twice")
                continue
            }
            if let settings = readSettings(defaultsNode.merged(with: node), extraKeys: ["name"], reader: &reader) {
                repositories.append(RepositoryConfig(name: name, settings: settings))
                repositoryNodes.append(node)
            }
        }
        ConfigValidation.checkNamespaceCollisions(Array(zip(repositories, repositoryNodes)), reader: &reader)
        guard let defaults else { return nil }
        var config = SandcastleConfig(forge: forge, sink: sink, controller: controller, defaults: defaults, repositories: repositories)
        if let v = top["registries"], let items = reader.sequence(v) {
            config.registries = items.compactMap { readRegistry($0, forge: forge, reader: &reader) }
            ConfigValidation.checkRegistries(config.registries, v, reader: &reader)
        }
        return config
    }

    static let settingsKeys = [
        "trigger", "namespaceTemplate", "hostTemplate", "domain", "ttl", "expiryWarning", "preserve", "maxConcurrent",
        "quota", "limitRange", "networkPolicy", "podSecurity", "bundle", "images", "database", "hooks", "readiness", "values",
        "expose", "route", "secrets", "externalSecrets", "scheduling",
    ]

    // MARK: forge and sink

    private static func readForge(_ node: ConfigNode, reader: inout ConfigReader) -> ForgeConfig? {
        guard let forge = reader.mapping(node, allowed: ["github"]) else { return nil }
        guard let githubNode = forge["github"] else {
            reader.fail(node, "missing 'github'")
            return nil
        }
        guard let github = reader.mapping(githubNode, allowed: ["apiURL", "token", "app", "webhookSecret"]) else { return nil }
        var config = ForgeConfig.builtin
        if let url = github["apiURL"], let text = reader.string(url) { config.apiURL = text }
        switch (github["token"], github["app"]) {
        case (let token?, nil):
            if let ref = readSecret(token, reader: &reader) { config.auth = .token(ref) }
        case (nil, let app?):
            if let fields = reader.mapping(app, allowed: ["id", "installationId", "privateKey"]) {
                let id = fields["id"].flatMap { reader.int($0, in: 1...Int.max) }
                let installation = fields["installationId"].flatMap { reader.int($0, in: 1...Int.max) }
                let key = fields["privateKey"].flatMap { readSecret($0, reader: &reader) }
                if fields["id"] == nil { reader.fail(path: fields.path("id"), line: app.line, "missing; expected the GitHub App id") }
                if fields["privateKey"] == nil {
                    reader.fail(path: fields.path("privateKey"), line: app.line, "missing; expected {env: NAME} or {file: PATH}")
                }
                if let id, let key { config.auth = .app(id: id, installationID: installation, privateKey: key) }
            }
        case (_?, _?):
            reader.fail(githubNode, "set either 'token' or 'app', not both")
        case (nil, nil):
            break
        }
        if let secret = github["webhookSecret"] { config.webhookSecret = readSecret(secret, reader: &reader) }
        return config
    }

    /// `{env: NAME}` or `{file: PATH}`; an inline string is refused without echoing it.
    private static func readRegistry(_ node: ConfigNode, forge: ForgeConfig, reader: inout ConfigReader) -> RegistryConfig? {
        let allowed = ["host", "username", "password", "insecure", "pullSecret", "allowForks", "useGitHubToken"]
        guard let f = reader.mapping(node, allowed: allowed) else { return nil }
        guard let hostNode = f["host"], let host = reader.string(hostNode) else {
            if f["host"] == nil { reader.fail(node, "missing 'host', like ghcr.io or registry.example.com:5000") }
            return nil
        }
        var registry = RegistryConfig(host: host)
        registry.username = f["username"].flatMap { readSecret($0, reader: &reader) }
        registry.password = f["password"].flatMap { readSecret($0, reader: &reader) }
        if let v = f["useGitHubToken"], reader.bool(v) == true {
            // ghcr.io takes a GitHub token as the password, with any user name.
            guard case .token(let token) = forge.auth else {
                reader.fail(v, "useGitHubToken needs forge.github.token (a GitHub App's private key is not a registry password)")
                return nil
            }
            if registry.username != nil || registry.password != nil { reader.fail(v, "give 'useGitHubToken' or 'username'/'password', not both") }
            registry.username = nil
            registry.password = token
            registry.usesGitHubToken = true
        } else if (registry.username == nil) != (registry.password == nil) {
            reader.fail(node, "give both 'username' and 'password', or neither (anonymous)")
        }
        if let v = f["insecure"], let b = reader.bool(v) { registry.insecure = b }
        if let v = f["pullSecret"], let b = reader.bool(v) { registry.pullSecret = b }
        if let v = f["allowForks"], let b = reader.bool(v) { registry.allowForks = b }
        return registry
    }

    static func readSecret(_ node: ConfigNode, reader: inout ConfigReader) -> SecretReference? {
        if case .scalar = node.value {
            reader.fail(node, "secrets are never written inline; expected {env: NAME} or {file: PATH}")
            return nil
        }
        guard let fields = reader.mapping(node, allowed: ["env", "file"]) else { return nil }
        switch (fields["env"], fields["file"]) {
        case (let env?, nil):
            guard let name = reader.string(env) else { return nil }
            guard ConfigValidation.isEnvironmentName(name) else {
                // Not echoed: a value in the wrong place may be the secret itself.
                reader.fail(env, "expected an environment variable name (letters, digits, '_'); the value is not shown in case it is a secret")
                return nil
            }
            return .environment(name)
        case (nil, let file?):
            guard let path = reader.string(file), !path.isEmpty else {
                reader.fail(file, "expected a file path")
                return nil
            }
            return .file(path)
        default:
            reader.fail(node, "expected exactly one of 'env' or 'file'")
            return nil
        }
    }

    private static func readSink(_ node: ConfigNode, reader: inout ConfigReader) -> SinkConfig? {
        guard let fields = reader.mapping(node, allowed: ["kind", "path", "argocd", "flux"]) else { return nil }
        let kind = fields["kind"].flatMap { reader.choice($0, as: SinkConfig.Kind.self) } ?? .cluster
        var sink = SinkConfig(kind: kind, path: fields["path"].flatMap { reader.string($0) })
        if let argocd = fields["argocd"] { sink.argocd = readArgoCD(argocd, reader: &reader) }
        if let flux = fields["flux"] { sink.flux = readFlux(flux, reader: &reader) }
        ConfigValidation.checkSink(sink, node, reader: &reader)
        return sink
    }
}

/// What a YAML syntax error says, without the excerpt of the text Yams adds (the line may hold a
/// secret written inline by mistake).
func yamlProblem(_ error: any Error) -> String {
    switch error {
    case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
        YamlError.composer(_, let problem, let mark, _):
        return "\(problem) (column \(mark.column))"
    default:
        // Other errors (duplicated keys) name keys only; keep the first line all the same.
        return String(describing: error).split(separator: "\n").first.map(String.init) ?? "the text cannot be parsed"
    }
}

/// Best-effort line of a YAML syntax error.
func yamlLine(_ error: any Error) -> Int? {
    if case YamlError.scanner(_, _, let mark, _) = error { return mark.line }
    if case YamlError.parser(_, _, let mark, _) = error { return mark.line }
    if case YamlError.composer(_, _, let mark, _) = error { return mark.line }
    return nil
}
