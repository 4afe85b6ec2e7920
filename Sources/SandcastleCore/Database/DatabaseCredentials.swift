import Foundation

/// How a preview's apps reach its database. The password is never logged or printed:
/// `description` leaves it out.
public struct DatabaseCredentials: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String

    public init(host: String, port: Int, database: String, user: String, password: String) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`, percent-encoded.
    public var url: String {
        "postgres://\(user.percentEncodedComponent):\(password.percentEncodedComponent)@\(host):\(port)/\(database.percentEncodedComponent)"
    }

    public var description: String { "\(user)@\(host):\(port)/\(database)" }

    /// The name of the Secret that carries the credentials in the preview's namespace.
    public static let secretName = "sandcastle-database"

    /// The Secret (`DATABASE_URL`, `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`).
    public func secret(for key: PreviewKey, namespace: String) -> Manifest {
        let data: [String: String] = [
            "DATABASE_URL": url, "PGHOST": host, "PGPORT": String(port), "PGDATABASE": database, "PGUSER": user, "PGPASSWORD": password,
        ]
        let object: ManifestObject = [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": .string(Self.secretName), "namespace": .string(namespace), "labels": .strings(Ownership.labels(for: key))],
            "type": "Opaque",
            "stringData": .strings(data),
        ]
        return Manifest(object: object, source: "sandcastle")
    }
}

/// One database Sandcastle made, as `db list` shows it.
public struct ProvisionedDatabase: Sendable, Hashable {
    public var name: String
    public var role: String
    /// The preview it belongs to; `nil` for a database with Sandcastle's prefix that no record claims.
    public var key: PreviewKey?
    public var seedHash: String?
    public var createdAt: Date?
    /// Bytes on disk, when known.
    public var size: Int64?

    public init(name: String, role: String, key: PreviewKey?, seedHash: String?, createdAt: Date?, size: Int64?) {
        self.name = name
        self.role = role
        self.key = key
        self.seedHash = seedHash
        self.createdAt = createdAt
        self.size = size
    }
}
