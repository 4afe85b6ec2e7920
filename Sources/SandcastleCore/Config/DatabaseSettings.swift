import Foundation

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
