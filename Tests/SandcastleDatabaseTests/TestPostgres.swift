import Foundation
import Logging
import PostgresNIO
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleDatabase

/// The real PostgreSQL 15 server that `scripts/test.sh` starts (`scripts/test-postgres.sh start` exports
/// its admin URL as `SANDCASTLE_TEST_POSTGRES_URL`).
enum TestPostgres {
    struct NotRunning: Error, CustomStringConvertible {
        var description: String {
            "SANDCASTLE_TEST_POSTGRES_URL is not set: run scripts/test.sh (installs and starts everything the tests need), or start only PostgreSQL with eval \"$(scripts/test-postgres.sh start)\""
        }
    }

    static func admin() throws -> PostgresAdmin {
        guard let url = ProcessInfo.processInfo.environment["SANDCASTLE_TEST_POSTGRES_URL"] else { throw NotRunning() }
        return try PostgresAdmin(url: url)
    }

    static func provisioner() throws -> PostgresProvisioner { PostgresProvisioner(admin: try admin()) }

    /// A unique identifier for one test's preview.
    static func identifier(_ label: String = "t") -> String { "sc_\(label)_\(PostgresProvisioner.randomHex(5))" }

    static func key(_ number: Int = Int.random(in: 1...1_000_000)) -> PreviewKey { Make.key(number) }

    /// Runs `sql` with `credentials` and returns the first column of each row as text.
    static func query(_ sql: String, as credentials: DatabaseCredentials, database: String? = nil) async throws -> [String] {
        let configuration = PostgresConnection.Configuration(
            host: credentials.host, port: credentials.port, username: credentials.user, password: credentials.password,
            database: database ?? credentials.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        do {
            var values: [String] = []
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).decode(String.self) {
                values.append(value)
            }
            try await connection.close()
            return values
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The same, as the admin.
    static func adminQuery(_ sql: String, database: String? = nil) async throws -> [String] {
        let admin = try admin()
        return try await query(
            sql,
            as: DatabaseCredentials(
                host: admin.host, port: admin.port, database: database ?? admin.database, user: admin.user, password: admin.password))
    }

    /// A seed directory: a schema file and a data file.
    static func seedDirectory(rows: Int = 3, broken: Bool = false) throws -> (TemporaryDirectory, SeedSource) {
        let dir = try TemporaryDirectory()
        let values = (1...rows).map { "(\($0), 'item ''\($0)''; -- not a comment')" }.joined(separator: ",\n")
        try dir.write([
            "db/seed/001-schema.sql": """
            -- the schema (\(UUID().uuidString): each test has its own seed, hence its own template)
            CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
            CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items; $$;
            """,
            "db/seed/002-data.sql": "INSERT INTO items VALUES\n\(values);\n" + (broken ? "INSERT INTO nowhere VALUES (1);\n" : ""),
        ])
        return (dir, try SeedSource.load(path: "db/seed", repositoryRoot: dir.path))
    }
}
