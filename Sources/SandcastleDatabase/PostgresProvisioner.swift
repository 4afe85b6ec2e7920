import Crypto
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import SandcastleCore

/// Per-preview databases on a shared PostgreSQL server.
///
/// Each preview gets a role (`LOGIN`, no superuser, createrole or createdb, a random 32-byte
/// password) and a database it owns, with `CONNECT` revoked from `PUBLIC`. Seed data is loaded once
/// into a template database named after the seed's hash and cloned with `CREATE DATABASE … TEMPLATE`;
/// without a template it is loaded into a temporary database renamed when complete. Either way a
/// failing seed leaves no database behind. Sandcastle's records (`sandcastle.databases`,
/// `sandcastle.templates` in the admin database) hold the passwords, so a second `ensure` changes
/// nothing, and say which databases are Sandcastle's: nothing else is ever dropped.
public actor PostgresProvisioner {
    public let admin: PostgresAdmin
    /// `HOST[:PORT]` written into credentials, when apps reach the server by another name.
    public let appHost: String?
    private let logger: Logger
    private var bootstrapped = false
    private var nextConnectionID = 1

    /// Objects loaded from a seed belong to this role until they are handed to the preview's role.
    static let seedRole = "sandcastle_seed"
    static let prefix = "sc_"

    public init(admin: PostgresAdmin, appHost: String? = nil, logger: Logger = Logger(label: "sandcastle.database")) {
        self.admin = admin
        self.appHost = appHost
        self.logger = logger
    }

    // MARK: provisioning

    /// Makes sure the preview's role and database exist, seeded; returns its credentials.
    /// Idempotent: an existing preview keeps its password and database.
    public func ensure(_ key: PreviewKey, identifier: String, seed: SeedSource?, template: Bool) async throws -> DatabaseCredentials {
        try Self.check(identifier)
        return try await withAdmin { connection in
            try await self.bootstrap(connection)
            try await self.lock(identifier, on: connection)

            let password: String
            if let stored = try await self.storedPassword(identifier, on: connection) {
                password = stored
                if try await !self.exists(role: identifier, on: connection) {
                    try await self.createRole(identifier, password: password, on: connection)
                }
            } else {
                if try await self.exists(role: identifier, on: connection) { throw DatabaseError.notOwned("role \(identifier)") }
                if try await self.exists(database: identifier, on: connection) { throw DatabaseError.notOwned("database \(identifier)") }
                password = Self.randomPassword()
                try await self.run("BEGIN", on: connection)
                do {
                    try await self.createRole(identifier, password: password, on: connection)
                    try await connection.query(
                        "INSERT INTO sandcastle.databases (name, repository, pr, password) VALUES (\(identifier), \(key.repository.description), \(key.number), \(password))",
                        logger: self.logger)
                    try await self.run("COMMIT", on: connection)
                } catch {
                    try? await self.run("ROLLBACK", on: connection)
                    throw error
                }
            }
            if try await !self.exists(database: identifier, on: connection) {
                try await self.createDatabase(identifier, seed: seed, template: template, on: connection)
                try await connection.query(
                    "UPDATE sandcastle.databases SET seed_hash = \(seed?.hash) WHERE name = \(identifier)", logger: self.logger)
            }
            return self.credentials(identifier, password: password)
        }
    }

    /// Terminates the preview's connections, drops its database and role. `false` when there was
    /// nothing to drop. Refuses a database Sandcastle's records do not claim.
    @discardableResult
    public func drop(identifier: String) async throws -> Bool {
        try Self.check(identifier)
        return try await withAdmin { connection in
            try await self.bootstrap(connection)
            try await self.lock(identifier, on: connection)
            let recorded = try await self.storedPassword(identifier, on: connection) != nil
            let hasDatabase = try await self.exists(database: identifier, on: connection)
            let hasRole = try await self.exists(role: identifier, on: connection)
            guard recorded else {
                if hasDatabase || hasRole { throw DatabaseError.notOwned(hasDatabase ? "database \(identifier)" : "role \(identifier)") }
                return false
            }
            try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(identifier) AND pid <> pg_backend_pid()",
                logger: self.logger)
            if hasDatabase { try await self.run("DROP DATABASE IF EXISTS \(Self.quote(identifier)) WITH (FORCE)", on: connection) }
            if hasRole { try await self.run("DROP ROLE IF EXISTS \(Self.quote(identifier))", on: connection) }
            try await connection.query("DELETE FROM sandcastle.databases WHERE name = \(identifier)", logger: self.logger)
            return true
        }
    }

    /// Every database Sandcastle made, and every database with its prefix that no record claims
    /// (`key` is `nil` for those). Templates are not listed.
    public func list() async throws -> [ProvisionedDatabase] {
        try await withAdmin { connection in
            try await self.bootstrap(connection)
            var result: [ProvisionedDatabase] = []
            let rows = try await connection.query(
                """
                SELECT r.name, r.repository, r.pr, r.seed_hash, r.created_at, pg_database_size(d.oid)
                FROM sandcastle.databases r LEFT JOIN pg_database d ON d.datname = r.name ORDER BY r.name
                """, logger: self.logger)
            for try await (name, repository, pr, seedHash, createdAt, size) in rows.decode((String, String, Int, String?, Date, Int64?).self) {
                let key = RepositoryName(parsing: repository).map { PreviewKey(repository: $0, number: pr) }
                result.append(ProvisionedDatabase(name: name, role: name, key: key, seedHash: seedHash, createdAt: createdAt, size: size))
            }
            let orphans = try await connection.query(
                """
                SELECT d.datname, pg_database_size(d.oid) FROM pg_database d
                WHERE d.datname LIKE 'sc\\_%' AND NOT d.datistemplate
                  AND NOT EXISTS (SELECT 1 FROM sandcastle.databases r WHERE r.name = d.datname) ORDER BY d.datname
                """, logger: self.logger)
            for try await (name, size) in orphans.decode((String, Int64).self) {
                result.append(ProvisionedDatabase(name: name, role: name, key: nil, seedHash: nil, createdAt: nil, size: size))
            }
            return result
        }
    }

    /// Drops the databases of previews not in `live` whose closure `confirm` confirms (a per-PR read,
    /// as for namespaces). Returns what was dropped; unconfirmed and unclaimed ones are kept.
    public func reapOrphans(live: Set<PreviewKey>, confirm: @Sendable (PreviewKey) async -> Bool) async throws -> [String] {
        var dropped: [String] = []
        for database in try await list() {
            guard let key = database.key, !live.contains(key) else { continue }
            guard await confirm(key) else { continue }
            if try await drop(identifier: database.name) { dropped.append(database.name) }
        }
        return dropped
    }

    /// Drops seed templates unused for `retention`. Returns their names.
    public func dropUnusedTemplates(olderThan retention: TimeInterval, now: Date = Date()) async throws -> [String] {
        try await withAdmin { connection in
            try await self.bootstrap(connection)
            let cutoff = now.addingTimeInterval(-retention)
            let rows = try await connection.query("SELECT name FROM sandcastle.templates WHERE last_used_at < \(cutoff)", logger: self.logger)
            var names: [String] = []
            for try await name in rows.decode(String.self) { names.append(name) }
            for name in names {
                try await self.lock(name, on: connection)
                try await self.run("ALTER DATABASE \(Self.quote(name)) IS_TEMPLATE false", on: connection)
                try await self.run("DROP DATABASE IF EXISTS \(Self.quote(name)) WITH (FORCE)", on: connection)
                try await connection.query("DELETE FROM sandcastle.templates WHERE name = \(name)", logger: self.logger)
                try await connection.query("SELECT pg_advisory_unlock_all()", logger: self.logger)
            }
            return names
        }
    }

    // MARK: steps

    private func createRole(_ name: String, password: String, on connection: PostgresConnection) async throws {
        // Passwords are base64url: no quote can appear, and the statement is never logged.
        try await run(
            "CREATE ROLE \(Self.quote(name)) LOGIN PASSWORD '\(password)' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 50",
            on: connection, describe: "CREATE ROLE \(name)")
    }

    private func createDatabase(_ name: String, seed: SeedSource?, template: Bool, on connection: PostgresConnection) async throws {
        guard let seed else {
            try await run("CREATE DATABASE \(Self.quote(name)) OWNER \(Self.quote(name))", on: connection)
            try await run("REVOKE ALL ON DATABASE \(Self.quote(name)) FROM PUBLIC", on: connection)
            return
        }
        if template {
            let templateName = try await ensureTemplate(seed, on: connection)
            try await run("CREATE DATABASE \(Self.quote(name)) OWNER \(Self.quote(name)) TEMPLATE \(Self.quote(templateName))", on: connection)
            do {
                try await handOver(database: name, to: name)
            } catch {
                try? await run("DROP DATABASE IF EXISTS \(Self.quote(name)) WITH (FORCE)", on: connection)
                throw error
            }
        } else {
            // Loaded under a temporary name and renamed when complete: never a half-made database.
            let temporary = Self.temporaryName(for: name)
            try await run("DROP DATABASE IF EXISTS \(Self.quote(temporary)) WITH (FORCE)", on: connection)  // left by a crash
            try await run("CREATE DATABASE \(Self.quote(temporary)) OWNER \(Self.quote(name))", on: connection)
            do {
                try await load(seed, into: temporary)
                try await handOver(database: temporary, to: name)
                try await run("ALTER DATABASE \(Self.quote(temporary)) RENAME TO \(Self.quote(name))", on: connection)
            } catch {
                try? await run("DROP DATABASE IF EXISTS \(Self.quote(temporary)) WITH (FORCE)", on: connection)
                throw error
            }
        }
        try await run("REVOKE ALL ON DATABASE \(Self.quote(name)) FROM PUBLIC", on: connection)
    }

    /// The template for `seed`, built if missing (one builder at a time per seed).
    private func ensureTemplate(_ seed: SeedSource, on connection: PostgresConnection) async throws -> String {
        let name = "sc_tpl_" + seed.hash.prefix(32)
        try await lock(name, on: connection)
        if try await exists(database: name, on: connection) {
            try await connection.query("UPDATE sandcastle.templates SET last_used_at = now() WHERE name = \(name)", logger: logger)
            return name
        }
        let temporary = Self.temporaryName(for: name)
        try await run("DROP DATABASE IF EXISTS \(Self.quote(temporary)) WITH (FORCE)", on: connection)  // left by a crash
        try await run("CREATE DATABASE \(Self.quote(temporary))", on: connection)
        do {
            try await load(seed, into: temporary)
            try await run("ALTER DATABASE \(Self.quote(temporary)) RENAME TO \(Self.quote(name))", on: connection)
            try await run("ALTER DATABASE \(Self.quote(name)) WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", on: connection)
            try await run("REVOKE ALL ON DATABASE \(Self.quote(name)) FROM PUBLIC", on: connection)
        } catch {
            try? await run("DROP DATABASE IF EXISTS \(Self.quote(temporary)) WITH (FORCE)", on: connection)
            throw error
        }
        try await connection.query(
            "INSERT INTO sandcastle.templates (name, seed_hash) VALUES (\(name), \(seed.hash)) ON CONFLICT (name) DO UPDATE SET last_used_at = now()",
            logger: logger)
        return name
    }

    /// Runs the seed in `database` as the seed role, statement by statement; the first failure
    /// stops it and names its file and line.
    private func load(_ seed: SeedSource, into database: String) async throws {
        try await withConnection(to: database) { connection in
            try await self.run("GRANT CREATE, USAGE ON SCHEMA public TO \(Self.quote(Self.seedRole))", on: connection)
            try await self.run("GRANT CREATE ON DATABASE \(Self.quote(database)) TO \(Self.quote(Self.seedRole))", on: connection)
            try await self.run("SET ROLE \(Self.quote(Self.seedRole))", on: connection)
            for file in seed.files {
                let statements: [SQLScript.Statement]
                do {
                    statements = try SQLScript.statements(file.sql)
                } catch let error as SQLScript.Unsupported {
                    throw DatabaseError.seed(file: file.name, line: error.line, message: error.reason)
                }
                for statement in statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement.text), logger: self.logger)
                    } catch let error as PSQLError {
                        throw DatabaseError.seed(file: file.name, line: statement.line, message: Self.message(error))
                    }
                }
            }
            try await self.run("RESET ROLE", on: connection)
            try await self.run("REVOKE CREATE ON DATABASE \(Self.quote(database)) FROM \(Self.quote(Self.seedRole))", on: connection)
            try await self.run("REVOKE CREATE, USAGE ON SCHEMA public FROM \(Self.quote(Self.seedRole))", on: connection)
        }
    }

    /// Gives everything the seed created in `database` to the preview's role.
    private func handOver(database: String, to role: String) async throws {
        try await withConnection(to: database) { connection in
            try await self.run("REASSIGN OWNED BY \(Self.quote(Self.seedRole)) TO \(Self.quote(role))", on: connection)
        }
    }

    private func bootstrap(_ connection: PostgresConnection) async throws {
        guard !bootstrapped else { return }
        try await lock("sandcastle-bootstrap", on: connection)
        let statements = [
            "CREATE SCHEMA IF NOT EXISTS sandcastle",
            "REVOKE ALL ON SCHEMA sandcastle FROM PUBLIC",
            """
            CREATE TABLE IF NOT EXISTS sandcastle.databases (
                name text PRIMARY KEY, repository text NOT NULL, pr integer NOT NULL, password text NOT NULL,
                seed_hash text, created_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE IF NOT EXISTS sandcastle.templates (
                name text PRIMARY KEY, seed_hash text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
                last_used_at timestamptz NOT NULL DEFAULT now())
            """,
            "REVOKE ALL ON ALL TABLES IN SCHEMA sandcastle FROM PUBLIC",
        ]
        for statement in statements { try await run(statement, on: connection) }
        if try await !exists(role: Self.seedRole, on: connection) {
            try await run("CREATE ROLE \(Self.quote(Self.seedRole)) NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", on: connection)
        }
        try await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
        bootstrapped = true
    }

    // MARK: plumbing

    private func credentials(_ name: String, password: String) -> DatabaseCredentials {
        var host = admin.host
        var port = admin.port
        if let appHost {
            let parts = appHost.split(separator: ":")
            host = String(parts[0])
            if parts.count == 2, let value = Int(parts[1]) { port = value }
        }
        return DatabaseCredentials(host: host, port: port, database: name, user: name, password: password)
    }

    private func storedPassword(_ name: String, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query("SELECT password FROM sandcastle.databases WHERE name = \(name)", logger: logger)
        for try await password in rows.decode(String.self) { return password }
        return nil
    }

    private func exists(role name: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(name)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    private func exists(database name: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// A session advisory lock on `name`: one provisioner at a time per preview or template. Every
    /// operation uses its own connection, and closing it releases the lock.
    private func lock(_ name: String, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_lock(hashtextextended(\(name), 0))", logger: logger)
    }

    /// Runs one statement of Sandcastle's own SQL; `describe` replaces it in errors (passwords).
    private func run(_ sql: String, on connection: PostgresConnection, describe: String? = nil) async throws {
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch let error as PSQLError {
            throw DatabaseError.server(operation: describe ?? sql, message: Self.message(error))
        }
    }

    private func withAdmin<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(to: admin.database, body)
    }

    private func withConnection<T: Sendable>(to database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let tls: PostgresConnection.Configuration.TLS =
            admin.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
        let configuration = PostgresConnection.Configuration(
            host: admin.host, port: admin.port, username: admin.user, password: admin.password, database: database, tls: tls)
        nextConnectionID += 1
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: nextConnectionID, logger: logger)
        } catch let error as PSQLError {
            throw DatabaseError.server(operation: "connect to \(admin.user)@\(admin.host):\(admin.port)/\(database)", message: Self.message(error))
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The server's message of a failed query (never the query's text, which may hold a password).
    static func message(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        return "\(error.code)"
    }

    /// `"name"`, with embedded quotes doubled.
    static func quote(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Only Sandcastle's own identifiers: `sc_` then lowercase letters, digits and `_`, at most 63.
    static func check(_ identifier: String) throws(DatabaseError) {
        guard identifier.hasPrefix(prefix), identifier.count <= 63,
            identifier.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
            !identifier.hasPrefix("sc_tpl_"), !identifier.hasPrefix("sc_tmp_")
        else { throw .badIdentifier(identifier) }
    }

    /// 32 random bytes (256 bits) from the system's cryptographic generator, base64url.
    static func randomPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The name a database is built under before it is renamed (one per target; the target's lock
    /// keeps builders apart).
    static func temporaryName(for target: String) -> String {
        "sc_tmp_" + SHA256.hash(data: Data(target.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
