import Foundation
import SandcastleCore
import Testing

@Suite struct ConfigTests {
    static let minimal = """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        repositories:
          - name: acme/shop
        """

    static func parse(_ text: String) throws -> SandcastleConfig { try ConfigLoader.parse(text, file: "sandcastle.yaml") }

    /// The issues a broken config produces, as printed.
    static func issues(_ text: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(text, file: "sandcastle.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func minimalConfigGetsBuiltInDefaults() throws {
        let config = try Self.parse(Self.minimal)
        let shop = try #require(config.repository(RepositoryName(owner: "ACME", name: "Shop")))
        #expect(shop.settings == PreviewSettings.builtin)
        #expect(config.sink.kind == .cluster)
        #expect(config.forge.apiURL == "https://api.github.com")
    }

    @Test func exampleConfigParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/sandcastle.yaml").path
        let config = try ConfigLoader.load(path: path)
        #expect(config.repositories.map(\.name.description) == ["acme/shop", "acme/blog"])
        let blog = try #require(config.repository(RepositoryName(owner: "acme", name: "blog")))
        #expect(blog.settings.ttl == ConfigDuration(seconds: 48 * 3600))
        #expect(blog.settings.domain == "preview.acme.dev", "inherited from defaults")
        #expect(blog.settings.trigger.labels == ["preview", "blog-preview"])
        #expect(blog.settings.bundle.kind == .manifests)
        #expect(config.forge.auth == .token(.environment("GITHUB_TOKEN")))
    }

    @Test func repositoriesDeepMergeOverDefaults() throws {
        let config = try Self.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            defaults:
              trigger: { labels: [deploy-me], allowDrafts: true }
              networkPolicy: { ingressNamespace: traefik }
            repositories:
              - name: acme/shop
                trigger: { allowForks: true }
                networkPolicy: { mode: ingress-only }
            """)
        let settings = config.repositories[0].settings
        #expect(settings.trigger.labels == ["deploy-me"])
        #expect(settings.trigger.allowDrafts && settings.trigger.allowForks)
        #expect(settings.networkPolicy.mode == .ingressOnly)
        #expect(settings.networkPolicy.ingressNamespace == "traefik")
    }

    @Test func registriesTakeCredentialsOrTheGitHubToken() throws {
        let config = try Self.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            forge: {github: {token: {env: GH_TOKEN}}}
            registries:
              - {host: ghcr.io, useGitHubToken: true}
              - {host: "registry.example.com:5000", username: {env: REG_USER}, password: {file: /run/secrets/reg}, allowForks: true}
              - {host: docker.io}
            repositories: [{name: acme/shop, trigger: {requiredChecks: [build-scan-image]}, images: {pins: [{name: ghcr.io/acme/shop, tag: "pr-{{ number }}-{{ sha }}"}], lockFile: deploy/images.lock, waitTimeout: 10m}}]
            """)
        #expect(config.registries.map(\.host) == ["ghcr.io", "registry.example.com:5000", "docker.io"])
        let ghcr = try #require(config.registries.first)
        #expect(try ghcr.resolvedCredentials(environment: ["GH_TOKEN": "ghp_example"])?.password == "ghp_example")
        #expect(ghcr.credentialSources == "the GitHub token from environment variable GH_TOKEN")
        #expect(config.registries[1].allowForks && !config.registries[0].allowForks)
        #expect(try config.registries[2].resolvedCredentials() == nil, "anonymous")
        let settings = config.repositories[0].settings
        #expect(settings.trigger.requiredChecks == ["build-scan-image"])
        #expect(settings.imageOptions.lockFile == "deploy/images.lock" && settings.imageOptions.waitTimeout == ConfigDuration(seconds: 600))
        #expect(settings.images.first?.tag?.source == "pr-{{ number }}-{{ sha }}")
        let issues = Self.issues(
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nregistries: [{host: \"ghcr.io/acme\"}, {host: a.io, username: {env: U}}]\nrepositories: [{name: a/b}]"
        ).joined(separator: "\n")
        #expect(issues.contains("registries[0].host: 'ghcr.io/acme' is not a registry host"), "\(issues)")
        #expect(issues.contains("registries[1]: give both 'username' and 'password'"), "\(issues)")
    }

    @Test func hooksTakeArgsEnvEnvFromAndAVerifyDelay() throws {
        let config = try Self.parse(
            Self.minimal + """

                    hooks:
                      seed: {image: ghcr.io/acme/seed:1, command: [/seed, "{{ url }}"], timeout: 5m}
                      verify:
                        image: ghcr.io/acme/verify:1
                        args: [--count, "3"]
                        delay: 90s
                        env:
                          - {name: MODE, value: strict}
                          - {name: TOKEN, secretKeyRef: {name: scout-token, key: token}}
                          - {name: REGION, configMapKeyRef: {name: settings, key: region}}
                        envFrom: [{secretRef: {name: verify-secrets}}, {configMapRef: {name: verify-config}}]
                """)
        let hooks = config.repositories[0].settings.hooks
        #expect(hooks.seed?.timeout == ConfigDuration(seconds: 300))
        #expect(hooks.seed?.command == ["/seed", "{{ url }}"])
        let verify = try #require(hooks.verify)
        #expect(verify.args == ["--count", "3"])
        #expect(verify.delay == ConfigDuration(seconds: 90))
        #expect(
            verify.env == [
                HookEnvVar(name: "MODE", source: .value("strict")), HookEnvVar(name: "TOKEN", source: .secretKey(name: "scout-token", key: "token")),
                HookEnvVar(name: "REGION", source: .configMapKey(name: "settings", key: "region")),
            ])
        #expect(verify.envFrom == [HookEnvSource(kind: .secret, name: "verify-secrets"), HookEnvSource(kind: .configMap, name: "verify-config")])
    }

    @Test(arguments: [
        // (snippet under the repository, expected fragments of the message)
        ("    ttl: 3 days", ["sandcastle.yaml:5", "repositories[0].ttl", "'3 days' is not a duration"]),
        ("    tll: 72h", ["sandcastle.yaml:5", "repositories[0].tll", "unknown key 'tll'", "did you mean 'ttl'"]),
        ("    namespaceTemplate: \"pr-{{number}}-{{branch}}\"", ["repositories[0].namespaceTemplate", "unknown variable 'branch'"]),
        ("    namespaceTemplate: \"{{repo}}-{{number}}\"", ["namespaceTemplate", "fixed prefix"]),
        ("    namespaceTemplate: \"kube-{{number}}\"", ["reserved"]),
        ("    hostTemplate: \"{{repo}}\"", ["hostTemplate", "must contain {{number}}"]),
        ("    maxConcurrent: 0", ["maxConcurrent", "from 1 to 10000"]),
        ("    readiness: { timeout: 0s }", ["repositories[0].readiness.timeout", "between 1s and 6h"]),
        ("    readiness: { http: { url: \"{{ url }}/healthz?b={{ branch }}\" } }", ["readiness.http.url", "unknown variable 'branch'"]),
        ("    readiness: { http: { url: \"ftp://x/{{ number }}\" } }", ["readiness.http.url", "http:// or https://"]),
        ("    readiness: { http: { expectStatus: 200 } }", ["readiness.http", "needs a url"]),
        ("    readiness: { http: { url: \"{{ url }}/\", expectStatus: 999 } }", ["readiness.http.expectStatus"]),
        ("    quota: { requests.cpu: lots }", ["repositories[0].quota.requests.cpu", "'lots' is not a quantity"]),
        ("    networkPolicy: { mode: open }", ["networkPolicy.mode", "isolated, ingress-only, off"]),
        ("    bundle: { kind: jsonnet }", ["bundle.kind", "manifests, kustomize, helm"]),
        ("    bundle: { kind: helm, helm: { valuesFiles: [../secrets.yaml] } }", ["bundle.helm.valuesFiles", "inside the chart"]),
        (
            "    bundle: { kind: helm, helm: { values: { image.tag: '{{ branch }}' } } }",
            ["bundle.helm.values.image.tag", "unknown variable 'branch'"]
        ),
        ("    bundle: { kind: helm, helm: { values: [a] } }", ["bundle.helm.values", "expected a mapping"]),
        ("    bundle: { kind: helm, helm: { values: { 'image..tag': x } } }", ["not a dotted values path"]),
        (
            "    bundle: { kind: helm, helm: { chart: { repository: 'ftp://charts', name: app, version: 1.0.0 } } }",
            ["bundle.helm.chart.repository", "oci://"]
        ),
        (
            "    bundle: { kind: helm, helm: { chart: { repository: 'oci://ghcr.io/acme/charts', name: app } } }",
            ["bundle.helm.chart.version", "missing"]
        ),
        ("    bundle: { kind: helm, helm: { releaseName: Shop_1 } }", ["bundle.helm.releaseName", "not a valid Kubernetes name"]),
        ("    bundle: { path: ../../etc }", ["bundle.path", "relative path inside"]),
        ("    bundle: { allowedKinds: [Deployment, ClusterRole] }", ["allowedKinds", "cluster-scoped kinds cannot be allowed: ClusterRole"]),
        ("    images: [{ name: ghcr.io/acme/shop, digest: sha256:abc }]", ["images[0].digest", "64 lowercase hex"]),
        ("    images: [{ name: \"ghcr.io/acme/shop:v1\" }]", ["images[0].name", "without tag or digest"]),
        ("    images: [{ name: ghcr.io/acme/shop, tag: \"pr-{{ branch }}\" }]", ["images[0].tag", "unknown variable 'branch'"]),
        ("    images: [{ name: ghcr.io/acme/shop, tag: \"-{{ sha }}\" }]", ["images[0].tag", "does not render to a valid tag"]),
        (
            "    images: [{ name: ghcr.io/acme/shop, tag: x, digest: \"sha256:\(String(repeating: "a", count: 64))\" }]",
            ["images[0].tag", "not both"]
        ),
        ("    images: { lockFile: ../images.lock }", ["images.lockFile", "relative path inside the repository"]),
        ("    images: { waitTimeout: 2s }", ["images.waitTimeout", "between 10s and 24h"]),
        ("    database: { enabled: true }", ["database.postgres", "needs postgres.admin"]),
        ("    expiryWarning: 100h", ["expiryWarning", "must be shorter than ttl"]),
        ("    trigger: { labelPermission: none }", ["labelPermission", "anyone"]),
        ("    domain: Preview.Example.COM", ["domain", "lowercase DNS domain"]),
        ("    hooks: { seed: { command: [x] } }", ["hooks.seed", "missing 'image'"]),
        ("    hooks: { seed: { image: x/y, command: [\"{{ branch }}\"] } }", ["hooks.seed.command", "unknown variable 'branch'"]),
        ("    hooks: { seed: { image: x/y, args: [\"{{ url\"] } }", ["hooks.seed.args", "never closed"]),
        ("    hooks: { seed: { image: x/y, delay: 90s } }", ["hooks.seed.delay", "unknown key 'delay'"]),
        ("    hooks: { verify: { image: x/y, delay: 2h } }", ["hooks.verify.delay", "at most 1h"]),
        ("    hooks: { verify: { image: x/y, env: [{ name: 1X, value: a }] } }", ["hooks.verify.env[0].name", "not an environment variable name"]),
        ("    hooks: { verify: { image: x/y, env: [{ name: SANDCASTLE_URL, value: a }] } }", ["env[0].name", "set by Sandcastle"]),
        (
            "    hooks: { verify: { image: x/y, env: [{ name: A, value: a, secretKeyRef: { name: s, key: k } }] } }",
            ["hooks.verify.env[0]", "exactly one of 'value', 'secretKeyRef' or 'configMapKeyRef'"]
        ),
        ("    hooks: { verify: { image: x/y, env: [{ name: A, secretKeyRef: { name: s } }] } }", ["env[0].secretKeyRef", "'name' and 'key'"]),
        ("    hooks: { verify: { image: x/y, env: [{ name: A, secretKeyRef: { name: Db_Pass, key: k } }] } }", ["env[0].secretKeyRef", "not a valid object name"]),
        ("    hooks: { seed: { image: \"Not An Image\" } }", ["hooks.seed.image", "is not an image reference"]),
        (
            "    hooks: { verify: { image: x/y, envFrom: [{ secretRef: { name: Bad_Name } }] } }",
            ["envFrom[0].secretRef.name", "not a valid object name"]
        ),
        (
            "    hooks: { verify: { image: x/y, envFrom: [{ secretRef: { name: a }, configMapRef: { name: b } }] } }",
            ["hooks.verify.envFrom[0]", "exactly one of 'secretRef' or 'configMapRef'"]
        ),
        ("    values: { \"bad key\": x }", ["values.bad key"]),
        ("    expose: [{ service: web }]", ["expose[0]", "missing 'port'"]),
        ("    expose: [{ service: web, port: 70000 }]", ["expose[0].port", "from 1 to 65535"]),
        ("    expose: [{ service: web, port: 80, host: \"omni-{{ repo }}\" }]", ["expose[0].host", "{{number}}"]),
        ("    expose: [{ service: web, port: 80, host: \"w-{{ number }}\" }]", ["expose", "one entry must use the preview host"]),
        ("    expose: [{ service: web, port: 80 }, { service: api, port: 81 }]", ["expose[1]", "two entries route the same host"]),
        ("    expose: [{ service: web, port: 80 }]\n    route: { kind: httproute }", ["route", "needs 'parentRefs'"]),
        (
            "    expose: [{ service: web, port: http }]\n    route: { kind: httproute, parentRefs: [{ name: gw }] }",
            ["expose[0]", "backend port must be a number"]
        ),
        ("    route: { kind: gateway }", ["route.kind", "ingress, httproute"]),
        ("    secrets: [{ from: ghcr-pull }]", ["secrets[0].from", "NAMESPACE/NAME"]),
        ("    secrets: [{ from: kube-system/bootstrap-token }]", ["secrets[0].from", "never copied"]),
        ("    secrets: [{ from: sandcastle-system/github-app }]", ["secrets[0].from", "never copied"]),
        ("    secrets: [{ from: preview-secrets/a, name: x }, { from: preview-secrets/b, name: x }]", ["secrets[1]", "rename one"]),
        ("    secrets: [{ from: preview-secrets/sandcastle-database }]", ["secrets[0].from", "Sandcastle's own"]),
        ("    externalSecrets: [{ name: db, storeRef: { name: vault }, data: [] }]", ["externalSecrets[0]", "at least one 'data' entry"]),
        (
            "    externalSecrets: [{ name: db, storeRef: { name: vault }, data: [{ secretKey: p, remoteKey: \"x/{{ branch }}\" }] }]",
            ["remoteKey", "unknown variable 'branch'"]
        ),
        ("    scheduling: { tolerations: [{ key: spot, effect: Sometimes }] }", ["scheduling.tolerations[0].effect", "NoSchedule"]),
        ("    scheduling: { tolerations: [{ key: spot, operator: Maybe }] }", ["scheduling.tolerations[0].operator", "Exists or Equal"]),
        ("    scheduling: { priorityClassName: High_Priority }", ["scheduling.priorityClassName", "not a PriorityClass name"]),
        ("    route: { ingressClassName: Nginx_Public }", ["route.ingressClassName", "not an IngressClass name"]),
        ("    route: { tlsSecretName: \"wildcard tls\" }", ["route.tlsSecretName", "not a Secret name"]),
        ("    route: { kind: httproute, parentRefs: [{ name: gw, namespace: Infra_GW }] }", ["route.parentRefs[0].namespace", "not a namespace name"]),
        ("    secrets: [{ from: preview-secrets/a, name: sandcastle-a }]", ["secrets[0].name", "not a Secret name Sandcastle may write"]),
        ("    externalSecrets: [{ name: sandcastle-db, storeRef: { name: vault }, data: [{ secretKey: p, remoteKey: k }] }]", ["externalSecrets[0].name", "not starting with sandcastle-"]),
        (
            "    externalSecrets: [{ name: db, storeRef: { name: vault, kind: Vault }, data: [{ secretKey: p, remoteKey: k }] }]",
            ["externalSecrets[0].storeRef.kind", "SecretStore or ClusterSecretStore"]
        ),
        ("    bundle: { allowedKinds: [Widget] }", ["bundle.allowedKinds", "not a built-in kind", "example.com/Widget"]),
        ("    bundle: { allowedServiceTypes: [ClusterIP, NodePort] }", ["bundle.allowedServiceTypes", "found ClusterIP"]),
        ("    bundle: { path: ../elsewhere }", ["bundle.path", "must be a relative path inside the repository"]),
        ("    images: { lockFile: /etc/passwd }", ["images.lockFile", "relative path inside the repository"]),
    ])
    func invalidRepositorySettingsNameFieldAndLine(snippet: String, fragments: [String]) {
        let issues = Self.issues(Self.minimal + "\n" + snippet)
        #expect(issues.count >= 1)
        let text = issues.joined(separator: "\n")
        for fragment in fragments { #expect(text.contains(fragment), "\(fragment) not in: \(text)") }
    }

    /// Validation runs after reading and collects every problem, each with its own line; a refused
    /// value is one problem, not also the cause of another (a refused ttl does not fail the
    /// lifetime checks that compare it).
    @Test func everyRefusedValueIsOneProblemWithItsLine() {
        let issues = Self.issues(
            Self.minimal + """

                    ttl: 5m
                    domain: Preview.Example
                    trigger: {labels: [""], labelPermission: none}
                    readiness: {timeout: 7h}
                    values: {"a.b": x}
                """)
        #expect(issues.count == 6, "\(issues)")
        #expect(issues.contains { $0.contains("repositories[0].ttl") && $0.contains(":5:") && $0.contains("at least 10m") }, "\(issues)")
        #expect(issues.contains { $0.contains("repositories[0].domain") && $0.contains(":6:") }, "\(issues)")
        #expect(issues.contains { $0.contains("trigger.labels") && $0.contains("1 to 50 characters") }, "\(issues)")
        #expect(issues.contains { $0.contains("trigger.labelPermission") && $0.contains("expected read or higher") }, "\(issues)")
        #expect(issues.contains { $0.contains("readiness.timeout") && $0.contains("between 1s and 6h") }, "\(issues)")
        #expect(issues.contains { $0.contains("values.a.b") }, "\(issues)")
        #expect(!issues.contains { $0.contains("expiryWarning") }, "\(issues)")
    }

    @Test(arguments: [
        ("apiVersion: v1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]", "apiVersion: expected 'sandcastle.dev/v1alpha1'"),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig", "repositories: missing"),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: not-a-repo}]", "is not a repository"),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}, {name: A/B}]", "listed twice"),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/shop}, {name: b/shop}]",
            "add {{owner}} to namespaceTemplate"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nforge: {github: {token: ghp_abc123secret}}\nrepositories: [{name: a/b}]",
            "never written inline"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nforge: {github: {token: {env: T}, app: {id: 1, privateKey: {file: k}}}}\nrepositories: [{name: a/b}]",
            "either 'token' or 'app'"
        ),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nsink: {kind: directory}\nrepositories: [{name: a/b}]", "sink.path: missing"),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, path: out}",
            "sink.path: only the directory sink takes a path"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: flux, argocd: {project: previews}}",
            "sink.argocd: only the argocd sink takes argocd settings (sink.kind is flux)"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, argocd: {project: Previews}}",
            "sink.argocd.project: 'Previews' is not a valid Kubernetes name"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, argocd: {gitops: {repoURL: 'https://github.com/acme/gitops.git'}}}",
            "sink.argocd.gitops.path: missing"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, argocd: {gitops: {repoURL: x, path: ../etc}}}",
            "without '..'"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, argocd: {destinationServer: kubernetes}}",
            "sink.argocd.destinationServer: expected an https:// URL"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: argocd, flux: {interval: 1m}}",
            "sink.flux: only the flux sink takes flux settings (sink.kind is argocd)"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nforge: {github: {apiURL: 'ftp://github.example'}}\nrepositories: [{name: a/b}]",
            "forge.github.apiURL: 'ftp://github.example' is not an http(s) URL"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: flux, flux: {interval: often}}",
            "sink.flux.interval"
        ),
        (
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nsink: {kind: flux, flux: {namespaces: flux-system}}",
            "unknown key 'namespaces' (did you mean 'namespace'?)"
        ),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nextra: 1", "unknown key 'extra'"),
        ("apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: a/b}]\nrepositories: []", "duplicated key"),
        ("apiVersion: [unclosed", "not valid YAML"),
        ("", "the file is empty"),
    ])
    func invalidDocuments(text: String, fragment: String) {
        let issues = Self.issues(text).joined(separator: "\n")
        #expect(issues.contains(fragment), "\(fragment) not in: \(issues)")
        #expect(issues.hasPrefix("sandcastle.yaml"))
    }

    @Test func inlineSecretsAreNeverEchoed() {
        let text = Self.issues(
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nforge: {github: {token: ghp_abc123secret}}\nrepositories: [{name: a/b}]"
        ).joined()
        #expect(!text.contains("ghp_abc123secret"))
    }

    @Test func everyProblemIsListedAtOnce() {
        let issues = Self.issues(Self.minimal + "\n    ttl: soon\n    maxConcurrent: -1\n    colour: blue")
        #expect(issues.count == 3, "\(issues)")
    }

    @Test func errorsInDefaultsAreReportedOnceAtTheirOwnPath() {
        let issues = Self.issues(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            defaults: { ttl: forever }
            repositories: [{name: a/b}, {name: a/c}]
            """)
        #expect(
            issues == [
                "sandcastle.yaml:3: defaults.ttl: 'forever' is not a duration; expected a number and a unit (s, m, h, d, w), like 72h, 30m or 7d"
            ])
    }

    @Test(arguments: [("72h", 259_200), ("1h30m", 5400), ("7d", 604_800), ("90s", 90), ("2w", 1_209_600)])
    func durations(text: String, seconds: Int) {
        #expect(ConfigDuration(parsing: text)?.seconds == seconds)
    }

    @Test(arguments: ["", "72", "h", "3 days", "1.5h", "-1h", "99999999999999999999d"])
    func malformedDurations(text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }
}
