/// Everything one render of one preview depends on.
public struct RenderContext: Sendable {
    public var key: PreviewKey
    /// The 40-hex head commit.
    public var sha: String
    public var settings: PreviewSettings
    public var names: PreviewNames
    /// Pins from the command line, applied over the configured ones.
    public var imageOverrides: [ImagePin]
    /// The PR comes from a fork: Secrets are copied only where the configuration allows it.
    public var fromFork = false
    /// Digests found for this commit: tag templates resolved through the registry, and the lock file.
    public var resolved: [ImagePin] = []
    /// The image pull Secret the controller adds to this preview (see ``RegistryCredentials``);
    /// the default ServiceAccount and hook Jobs reference it.
    public var pullSecretName: String?

    public init(key: PreviewKey, sha: String, settings: PreviewSettings, imageOverrides: [ImagePin] = []) {
        self.key = key
        self.sha = sha
        self.settings = settings
        self.names = PreviewNames(key: key, settings: settings)
        self.imageOverrides = imageOverrides
    }

    /// Configured pins with overrides replacing same-named entries.
    public var pins: [ImagePin] {
        var byName: [String: ImagePin] = [:]
        for pin in settings.images + resolved + imageOverrides { byName[pin.name] = pin }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// The values `{{ }}` placeholders in bundle files can use.
    public var variables: [String: String] {
        var out = [
            "number": String(key.number), "owner": key.repository.owner, "repo": key.repository.name,
            "sha": sha, "shortSha": String(sha.prefix(7)), "namespace": names.namespace, "host": names.host,
            "url": "https://\(names.host)", "domain": settings.domain,
        ]
        for (name, value) in settings.values { out["values.\(name)"] = value }
        return out
    }

    /// A 40-character lowercase hex commit id.
    public static func isCommitSHA(_ text: String) -> Bool {
        text.count == 40 && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }
}
