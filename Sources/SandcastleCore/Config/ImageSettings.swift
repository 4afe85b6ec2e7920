import Foundation

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
