import Foundation

/// A parsed and validated `sandcastle.yaml` (`apiVersion: sandcastle.dev/v1alpha1`, `kind: SandcastleConfig`).
public struct SandcastleConfig: Sendable {
    public static let apiVersion = "sandcastle.dev/v1alpha1"
    public static let kind = "SandcastleConfig"

    public var forge: ForgeConfig
    public var sink: SinkConfig
    public var controller: ControllerSettings
    /// The settings every repository starts from.
    public var defaults: PreviewSettings
    /// Configured repositories, each with `defaults` deep-merged under its own keys.
    public var repositories: [RepositoryConfig]
    /// Registries digests are read from and previews pull from.
    public var registries: [RegistryConfig] = []

    public init(
        forge: ForgeConfig, sink: SinkConfig, controller: ControllerSettings = ControllerSettings(), defaults: PreviewSettings,
        repositories: [RepositoryConfig]
    ) {
        self.forge = forge
        self.sink = sink
        self.controller = controller
        self.defaults = defaults
        self.repositories = repositories
    }

    /// The configuration of `name`, compared case-insensitively; `nil` when it is not configured.
    public func repository(_ name: RepositoryName) -> RepositoryConfig? {
        repositories.first { $0.name == name }
    }
}

/// One repository and its resolved settings.
public struct RepositoryConfig: Sendable {
    public var name: RepositoryName
    public var settings: PreviewSettings

    public init(name: RepositoryName, settings: PreviewSettings) {
        self.name = name
        self.settings = settings
    }
}

/// Where a secret comes from. The value itself never appears in configuration.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }
}

/// The forge (GitHub) connection.
public struct ForgeConfig: Sendable, Hashable {
    /// How Sandcastle authenticates to GitHub.
    public enum Auth: Sendable, Hashable {
        case none
        case token(SecretReference)
        case app(id: Int, installationID: Int?, privateKey: SecretReference)
    }

    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public var apiURL: String
    public var auth: Auth
    public var webhookSecret: SecretReference?
}

/// Where rendered previews go.
public struct SinkConfig: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case cluster, directory, argocd, flux }
    public var kind: Kind
    /// Output directory of the `directory` sink.
    public var path: String?
    /// Settings of the `argocd` sink.
    public var argocd = ArgoCDSinkSettings()
    /// Settings of the `flux` sink.
    public var flux = FluxSinkSettings()

    /// Whether a GitOps engine (Argo CD or Flux) syncs the bundle instead of Sandcastle.
    public var isGitOps: Bool { kind == .argocd || kind == .flux }
    /// `true` when the configuration has no `sink` section: `sandcastle run` then uses the
    /// cluster if one is configured (kubeconfig or in-cluster) and the directory sink otherwise.
    public var isDefault: Bool

    /// Where the directory sink writes when no `sink` is configured and no cluster is found.
    public static let defaultDirectory = "sandcastle-previews"

    public init(kind: Kind, path: String?, isDefault: Bool = false) {
        self.kind = kind
        self.path = path
        self.isDefault = isDefault
    }
}

/// Everything that decides how one repository's previews look and live.
public struct PreviewSettings: Sendable, Hashable {
    public var trigger: TriggerSettings
    /// Namespace name template over `owner`, `repo`, `number`; must start with a fixed prefix.
    public var namespaceTemplate: Template
    /// First host label template over `owner`, `repo`, `number`.
    public var hostTemplate: Template
    /// DNS domain under which hosts live; empty means the host is the bare label.
    public var domain: String
    /// How long a preview lives after its last activity.
    public var ttl: ConfigDuration
    /// How long before expiry the PR is warned.
    public var expiryWarning: ConfigDuration
    public var preserve: PreserveSettings
    /// Previews of this repository that may run at once; more wait in a queue.
    public var maxConcurrent: Int
    /// ResourceQuota `hard` entries (resource name → quantity).
    public var quota: [String: String]
    public var limitRange: LimitRangeSettings
    public var networkPolicy: NetworkPolicySettings
    public var podSecurity: PodSecurityLevel
    public var bundle: BundleSettings
    public var images: [ImagePin]
    public var imageOptions = ImageOptions()
    public var database: DatabaseSettings
    public var hooks: HookSettings
    public var readiness: ReadinessSettings
    /// Extra template values, available in bundles as `{{ values.NAME }}`.
    public var values: [String: String]
    /// Services Sandcastle routes to (an Ingress or HTTPRoutes it renders); empty: the bundle routes itself.
    public var expose: [ExposeEntry] = []
    public var route = RouteSettings()
    /// Secrets copied into every preview.
    public var secrets: [SecretCopy] = []
    public var externalSecrets: [ExternalSecretTemplate] = []
    public var scheduling = SchedulingSettings()
}

/// Which pull requests get a preview.
public struct TriggerSettings: Sendable, Hashable {
    /// Any one of these labels triggers a preview; empty means every open PR does.
    public var labels: [String]
    public var allowDrafts: Bool
    public var allowForks: Bool
    /// The least permission the person who added the label must hold.
    public var labelPermission: Permission
    /// Check runs or commit status contexts that must have succeeded on the head commit before it is deployed.
    public var requiredChecks: [String] = []
}

/// The preserve pin: a labelled preview outlives its TTL, up to `max` after its last activity.
public struct PreserveSettings: Sendable, Hashable {
    public var label: String
    public var max: ConfigDuration
}

/// LimitRange defaults for containers (resource name → quantity).
public struct LimitRangeSettings: Sendable, Hashable {
    public var defaultRequest: [String: String]
    public var defaultLimit: [String: String]
    public var max: [String: String]
}

/// How the preview's namespace is isolated on the network.
public enum NetworkPolicyMode: String, Sendable, Hashable, CaseIterable {
    /// Deny all ingress and egress except same-namespace traffic, the ingress controller and DNS.
    case isolated
    /// Deny ingress except from the same namespace and the ingress controller; egress is open.
    case ingressOnly = "ingress-only"
    /// No NetworkPolicy is rendered.
    case off
}

public struct NetworkPolicySettings: Sendable, Hashable {
    public var mode: NetworkPolicyMode
    /// Namespace of the ingress controller whose traffic is allowed in.
    public var ingressNamespace: String
}

/// Pod Security Standard enforced on the namespace.
public enum PodSecurityLevel: String, Sendable, Hashable, CaseIterable { case restricted, baseline, privileged }

/// How a repository's deploy bundle is built.
public enum BundleKind: String, Sendable, Hashable, CaseIterable { case manifests, kustomize, helm }

public struct BundleSettings: Sendable, Hashable {
    /// Path of the bundle inside the repository.
    public var path: String
    public var kind: BundleKind
    /// Kinds a bundle may contain.
    public var allowedKinds: [String]
    public var maxObjects: Int
    /// Largest single object, in bytes of canonical JSON.
    public var maxObjectBytes: Int
    /// Service types a bundle may use besides ClusterIP (`NodePort`, `LoadBalancer`, `ExternalName`).
    public var allowedServiceTypes: [String] = []
    /// Whether a bundle's Services may set `externalIPs`.
    public var allowExternalIPs = false
    /// Annotations a bundle's Ingress and routes may carry (`*` patterns). Snippet annotations are
    /// refused unless listed exactly.
    public var allowedRouteAnnotations: [String] = ["*"]
    /// How a `helm` bundle is rendered.
    public var helm = HelmBundleSettings()
}

/// An image to pin: every container image with this repository is rewritten to `name@digest`.
public struct ImagePin: Sendable, Hashable {
    /// Image reference without tag or digest, e.g. `ghcr.io/acme/shop`.
    public var name: String
    /// `sha256:` and 64 hex digits; `nil` leaves the image as written (or resolves `tag`).
    public var digest: String?
    /// A tag template (`pr-{{ number }}-{{ sha }}`), resolved to a digest through the registry.
    public var tag: Template?

    public init(name: String, digest: String?, tag: Template? = nil) {
        self.name = name
        self.digest = digest
        self.tag = tag
    }
}

/// How images are found: the lock file read from the head commit and how long to wait for a tag.
public struct ImageOptions: Sendable, Hashable {
    /// A file in the PR's repository listing `name@sha256:…` pins (one per line, or a YAML list).
    public var lockFile: String?
    /// How long a tag may be missing from the registry before the preview fails.
    public var waitTimeout = ConfigDuration(seconds: 1800)

    public init() {}
}

/// A container registry Sandcastle reads digests from and previews pull from.
public struct RegistryConfig: Sendable, Hashable {
    /// `ghcr.io`, `registry.example.com:5000`.
    public var host: String
    public var username: SecretReference?
    public var password: SecretReference?
    /// Plain HTTP (only for registries on loopback or a trusted network, e.g. in tests).
    public var insecure: Bool
    /// Put a pull Secret for this registry into every preview (and the default ServiceAccount's `imagePullSecrets`).
    public var pullSecret: Bool
    /// The pull Secret goes to previews of PRs from forks too (default: not).
    public var allowForks = false
    /// `password` is the forge's GitHub token (ghcr.io); the user name is not checked there.
    public var usesGitHubToken = false

    /// The credentials, read from their references now; `nil` for an anonymous registry.
    public func resolvedCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretResolutionError)
        -> (username: String, password: String)?
    {
        guard let password else { return nil }
        let user = usesGitHubToken ? "sandcastle" : try username?.resolve(environment: environment) ?? ""
        return (user, try password.resolve(environment: environment))
    }

    /// Where the credentials come from, for messages (never their values).
    public var credentialSources: String {
        guard let password else { return "no credentials (none are configured for \(host); add it to registries)" }
        if usesGitHubToken { return "the GitHub token from \(password)" }
        return "the credentials from \(username.map { "\($0)" } ?? "?") and \(password)"
    }

    public init(host: String, username: SecretReference? = nil, password: SecretReference? = nil, insecure: Bool = false, pullSecret: Bool = true) {
        self.host = host
        self.username = username
        self.password = password
        self.insecure = insecure
        self.pullSecret = pullSecret
    }
}

/// A preview's own PostgreSQL database on a shared server.
public struct DatabaseSettings: Sendable, Hashable {
    public var enabled: Bool
    /// The shared server; required when enabled.
    public var postgres: PostgresServerSettings?
    /// A SQL file, or a directory of `.sql` files loaded in name order, relative to the repository root.
    public var seed: String?
    /// Load the seed once into a template database and clone it per preview.
    public var template: Bool
    /// Seed templates not used for this long are dropped.
    public var retention: ConfigDuration
    /// Added to the namespace's ResourceQuota for the database (same keys add up).
    public var quota: [String: String]

    public init(
        enabled: Bool, postgres: PostgresServerSettings? = nil, seed: String? = nil, template: Bool = true,
        retention: ConfigDuration = ConfigDuration(seconds: 7 * 86400), quota: [String: String] = [:]
    ) {
        self.enabled = enabled
        self.postgres = postgres
        self.seed = seed
        self.template = template
        self.retention = retention
        self.quota = quota
    }
}

/// How Sandcastle reaches the shared PostgreSQL server.
public struct PostgresServerSettings: Sendable, Hashable {
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` of a role that may create roles and databases.
    public var admin: SecretReference
    /// `HOST[:PORT]` the preview's apps use, when it differs from the admin URL's (e.g. a Service name).
    public var host: String?

    public init(admin: SecretReference, host: String? = nil) {
        self.admin = admin
        self.host = host
    }
}

/// When a preview counts as ready.
public struct ReadinessSettings: Sendable, Hashable {
    /// How long workloads may take to become available after an apply before the preview fails.
    public var timeout: ConfigDuration
    /// An HTTP check that must answer before the preview is Ready; `nil` for none.
    public var http: HTTPCheckSettings?

    public init(timeout: ConfigDuration, http: HTTPCheckSettings? = nil) {
        self.timeout = timeout
        self.http = http
    }
}

/// `readiness.http`: the URL the preview must answer on, once its workloads are available.
public struct HTTPCheckSettings: Sendable, Hashable {
    /// Over the render variables (`{{ url }}/healthz`, `http://web.{{ namespace }}.svc.cluster.local/healthz`).
    public var url: Template
    /// The status code that counts as an answer.
    public var expectStatus: Int
    /// How long to wait between checks while it does not answer.
    public var interval: ConfigDuration

    public init(url: Template, expectStatus: Int = 200, interval: ConfigDuration = ConfigDuration(seconds: 5)) {
        self.url = url
        self.expectStatus = expectStatus
        self.interval = interval
    }
}

/// Jobs run in the preview after each deploy.
public struct HookSettings: Sendable, Hashable {
    public var seed: JobHook?
    public var verify: JobHook?
}

/// One hook Job.
public struct JobHook: Sendable, Hashable {
    public var image: String
    public var command: [String]
    /// The container's `args`; `{{ }}` variables in `command` and `args` are filled in as in bundles.
    public var args: [String]
    /// Extra environment variables (plain values or references to the preview's Secrets and ConfigMaps).
    public var env: [HookEnvVar]
    /// Secrets and ConfigMaps of the preview namespace loaded whole (`envFrom`).
    public var envFrom: [HookEnvSource]
    /// `activeDeadlineSeconds` of the Job.
    public var timeout: ConfigDuration
    /// How long to wait, after the seed succeeded (or the preview became ready), before the verify
    /// Job starts; verify only.
    public var delay: ConfigDuration?

    public init(
        image: String, command: [String], args: [String] = [], env: [HookEnvVar] = [], envFrom: [HookEnvSource] = [],
        timeout: ConfigDuration, delay: ConfigDuration? = nil
    ) {
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.envFrom = envFrom
        self.timeout = timeout
        self.delay = delay
    }
}

/// One `env` entry of a hook container.
public struct HookEnvVar: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case value(String)
        case secretKey(name: String, key: String)
        case configMapKey(name: String, key: String)
    }

    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }
}

/// One `envFrom` entry of a hook container: a Secret or ConfigMap in the preview namespace.
public struct HookEnvSource: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case secret, configMap }

    public var kind: Kind
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }
}

extension HookEnvVar {
    /// A C identifier, as shells and most runtimes read environment variable names.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.utf8.count <= 256 else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
