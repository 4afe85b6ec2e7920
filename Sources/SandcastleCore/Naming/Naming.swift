/// The names Sandcastle derives for a preview, from the repository and PR number only.
///
/// Branch names never reach a name (safety rule 6). All names are deterministic: the same key and
/// configuration always give the same names.
public struct PreviewNames: Sendable, Hashable, Codable {
    /// The namespace, also the name of the cluster-scoped PreviewEnvironment.
    public let namespace: String
    /// The first DNS label of the preview's host.
    public let hostLabel: String
    /// `hostLabel.domain`.
    public let host: String
    /// The PostgreSQL role and database name for the preview's own database.
    public let databaseIdentifier: String

    /// Derives every name of `key` under `settings`.
    public init(key: PreviewKey, settings: PreviewSettings) {
        namespace = NameScheme.dnsLabel.name(for: key, template: settings.namespaceTemplate)
        hostLabel = NameScheme.dnsLabel.name(for: key, template: settings.hostTemplate)
        host = settings.domain.isEmpty ? hostLabel : "\(hostLabel).\(settings.domain)"
        databaseIdentifier = NameScheme.postgres.name(for: key, template: PreviewNames.databaseTemplate)
    }

    /// `sc_{{repo}}_{{number}}`: short, prefix-bound, and hashed whenever the repository name is
    /// not already a plain identifier.
    static let databaseTemplate = try! Template(parsing: "sc_{{repo}}_{{number}}")
}
