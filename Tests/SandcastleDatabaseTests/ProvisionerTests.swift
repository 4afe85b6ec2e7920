import Foundation
import PostgresNIO
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleDatabase

/// Against a real PostgreSQL 15 server. Serialized: reaping and template retention act on the
/// whole server, so they must not race other tests' databases.
@Suite("PostgreSQL provisioner", .serialized)
struct ProvisionerTests {
    typealias P = TestPostgres

    @Test func createsAConfinedRoleAndDatabaseThatWork() async throws {
        let provisioner = try P.provisioner()
        let name = P.identifier()
        let credentials = try await provisioner.ensure(P.key(), identifier: name, seed: nil, template: true)
        #expect(credentials.user == name && credentials.database == name)
        #expect(credentials.password.count >= 43)  // 32 random bytes, base64url
        #expect(!credentials.description.contains(credentials.password))
        #expect(try await P.query("SELECT current_user::text", as: credentials) == [name])
        _ = try await P.query("CREATE TABLE mine (id int)", as: credentials)
        let attributes = try await P.adminQuery(
            "SELECT concat_ws(',', rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls) FROM pg_roles WHERE rolname = '\(name)'")
        #expect(attributes == ["f,f,f,f,f"])
        let owner = try await P.adminQuery("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = '\(name)'")
        #expect(owner == [name])
        #expect(try await provisioner.drop(identifier: name))
    }

    @Test func ensuringAgainChangesNothing() async throws {
        let provisioner = try P.provisioner()
        let name = P.identifier()
        let key = P.key()
        let first = try await provisioner.ensure(key, identifier: name, seed: nil, template: true)
        let oid = try await P.adminQuery("SELECT oid::text FROM pg_database WHERE datname = '\(name)'")
        let second = try await PostgresProvisioner(admin: try P.admin()).ensure(key, identifier: name, seed: nil, template: true)
        #expect(first == second)
        #expect(try await P.adminQuery("SELECT oid::text FROM pg_database WHERE datname = '\(name)'") == oid)
        #expect(try await P.query("SELECT 'ok'", as: second) == ["ok"])
        try await provisioner.drop(identifier: name)
    }

    @Test func oneRoleCannotReachAnotherPreviewsDatabase() async throws {
        let provisioner = try P.provisioner()
        let a = try await provisioner.ensure(P.key(), identifier: P.identifier("a"), seed: nil, template: true)
        let b = try await provisioner.ensure(P.key(), identifier: P.identifier("b"), seed: nil, template: true)
        await #expect(throws: PSQLError.self) { _ = try await P.query("SELECT 1::text", as: a, database: b.database) }
        var wrong = a
        wrong.password = b.password
        await #expect(throws: PSQLError.self) { _ = try await P.query("SELECT 1::text", as: wrong) }
        try await provisioner.drop(identifier: a.database)
        try await provisioner.drop(identifier: b.database)
    }

    @Test(arguments: [true, false])
    func seedsThroughTheTemplateOrDirectly(template: Bool) async throws {
        let provisioner = try P.provisioner()
        let (dir, seed) = try P.seedDirectory(rows: 5)
        defer { dir.remove() }
        let first = try await provisioner.ensure(P.key(), identifier: P.identifier(), seed: seed, template: template)
        let second = try await provisioner.ensure(P.key(), identifier: P.identifier(), seed: seed, template: template)
        for credentials in [first, second] {
            #expect(try await P.query("SELECT item_count()::text", as: credentials) == ["5"])
            #expect(try await P.query("SELECT name FROM items WHERE id = 2", as: credentials) == ["item '2'; -- not a comment"])
            // The preview's role owns the seeded objects: it can write and migrate them.
            _ = try await P.query("INSERT INTO items VALUES (99, 'new')", as: credentials)
            _ = try await P.query("ALTER TABLE items ADD COLUMN extra text", as: credentials)
            #expect(try await P.query("SELECT tableowner::text FROM pg_tables WHERE tablename = 'items'", as: credentials) == [credentials.user])
        }
        let templates = try await P.adminQuery("SELECT name FROM sandcastle.templates WHERE seed_hash = '\(seed.hash)'")
        #expect(templates.count == (template ? 1 : 0))
        // The template is not reachable by previews.
        if template, let name = templates.first {
            await #expect(throws: PSQLError.self) { _ = try await P.query("SELECT 1::text", as: first, database: name) }
        }
        try await provisioner.drop(identifier: first.database)
        try await provisioner.drop(identifier: second.database)
    }

    @Test(arguments: [true, false])
    func aFailingSeedNamesTheErrorAndLeavesNoDatabase(template: Bool) async throws {
        let provisioner = try P.provisioner()
        let (dir, seed) = try P.seedDirectory(broken: true)
        defer { dir.remove() }
        let name = P.identifier()
        do {
            _ = try await provisioner.ensure(P.key(), identifier: name, seed: seed, template: template)
            Issue.record("expected a seed failure")
        } catch let error as DatabaseError {
            guard case .seed(let file, let line, let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == "db/seed/002-data.sql")
            #expect(line == 5)
            #expect(message.contains("relation \"nowhere\" does not exist"))
        }
        let leftovers = [
            name, PostgresProvisioner.temporaryName(for: name), PostgresProvisioner.temporaryName(for: "sc_tpl_" + seed.hash.prefix(32)),
        ]
        #expect(try await P.adminQuery("SELECT datname::text FROM pg_database WHERE datname IN ('\(leftovers.joined(separator: "','"))')").isEmpty)
        #expect(try await P.adminQuery("SELECT name FROM sandcastle.templates WHERE seed_hash = '\(seed.hash)'").isEmpty)
        try await provisioner.drop(identifier: name)
    }

    @Test func teardownTerminatesConnectionsAndDropsDatabaseAndRole() async throws {
        let provisioner = try P.provisioner()
        let name = P.identifier()
        let credentials = try await provisioner.ensure(P.key(), identifier: name, seed: nil, template: true)
        let configuration = PostgresConnection.Configuration(
            host: credentials.host, port: credentials.port, username: credentials.user, password: credentials.password, database: name, tls: .disable)
        let open = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: .init(label: "test"))
        #expect(try await provisioner.drop(identifier: name))
        #expect(try await P.adminQuery("SELECT datname::text FROM pg_database WHERE datname = '\(name)'").isEmpty)
        #expect(try await P.adminQuery("SELECT rolname::text FROM pg_roles WHERE rolname = '\(name)'").isEmpty)
        #expect(try await provisioner.drop(identifier: name) == false)
        try? await open.close()
    }

    @Test func orphansAreReapedOnlyWhenConfirmed() async throws {
        let provisioner = try P.provisioner()
        let keys = [P.key(), P.key(), P.key()]
        let names = keys.map { _ in P.identifier("o") }
        for (key, name) in zip(keys, names) { _ = try await provisioner.ensure(key, identifier: name, seed: nil, template: true) }
        // keys[0] is live; keys[1] is confirmed closed; keys[2] cannot be confirmed (a failed read).
        let confirmed = keys[1]
        let live = Set([keys[0]]).union(try await Self.otherLiveKeys(provisioner, except: keys))
        let dropped = try await provisioner.reapOrphans(live: live) { key in key == confirmed }
        #expect(dropped == [names[1]])
        let remaining = Set(try await provisioner.list().map(\.name))
        #expect(remaining.contains(names[0]) && remaining.contains(names[2]) && !remaining.contains(names[1]))
        try await provisioner.drop(identifier: names[0])
        try await provisioner.drop(identifier: names[2])
    }

    /// Databases of other tests running at the same time count as live here.
    static func otherLiveKeys(_ provisioner: PostgresProvisioner, except: [PreviewKey]) async throws -> Set<PreviewKey> {
        Set(try await provisioner.list().compactMap(\.key)).subtracting(except)
    }

    @Test func aDatabaseSandcastleDidNotCreateIsNeverTouched() async throws {
        let provisioner = try P.provisioner()
        let name = P.identifier("foreign")
        _ = try await P.adminQuery("CREATE DATABASE \(name)")
        await #expect(throws: DatabaseError.notOwned("database \(name)")) {
            _ = try await provisioner.ensure(P.key(), identifier: name, seed: nil, template: true)
        }
        await #expect(throws: DatabaseError.notOwned("database \(name)")) { _ = try await provisioner.drop(identifier: name) }
        #expect(try await provisioner.list().contains { $0.name == name && $0.key == nil })
        #expect(try await P.adminQuery("SELECT datname::text FROM pg_database WHERE datname = '\(name)'") == [name])
        _ = try await P.adminQuery("DROP DATABASE \(name)")
    }

    @Test func hostileNamesAreRefusedOrMadeSafe() async throws {
        let provisioner = try P.provisioner()
        for hostile in [
            "sc_x\"; DROP DATABASE postgres; --", "postgres", "sc_Upper", "sc_tpl_abc", "sc_" + String(repeating: "a", count: 70), "sc_a b",
        ] {
            await #expect(throws: DatabaseError.badIdentifier(hostile)) {
                _ = try await provisioner.ensure(P.key(), identifier: hostile, seed: nil, template: true)
            }
        }
        // Repository names of any shape become safe identifiers through the naming module.
        let repository = RepositoryName(owner: "Evil\"Org", name: "x'; DROP TABLE users;--")
        let key = PreviewKey(repository: repository, number: Int.random(in: 1...1_000_000))
        let identifier = PreviewNames(key: key, settings: .builtin).databaseIdentifier
        let credentials = try await provisioner.ensure(key, identifier: identifier, seed: nil, template: true)
        #expect(try await P.query("SELECT current_database()::text", as: credentials) == [identifier])
        try await provisioner.drop(identifier: identifier)
    }

    @Test func unusedTemplatesAreDroppedAfterRetention() async throws {
        let provisioner = try P.provisioner()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["seed.sql": "CREATE TABLE t (id int); -- \(UUID().uuidString)\n"])
        let seed = try SeedSource.load(path: "seed.sql", repositoryRoot: dir.path)
        let credentials = try await provisioner.ensure(P.key(), identifier: P.identifier(), seed: seed, template: true)
        let template = "sc_tpl_" + seed.hash.prefix(32)
        #expect(try await provisioner.dropUnusedTemplates(olderThan: 3600).contains(template) == false)
        let dropped = try await provisioner.dropUnusedTemplates(olderThan: 3600, now: Date().addingTimeInterval(7200))
        #expect(dropped.contains(template))
        #expect(try await P.adminQuery("SELECT datname::text FROM pg_database WHERE datname = '\(template)'").isEmpty)
        // The preview cloned from it is unaffected.
        #expect(try await P.query("SELECT count(*)::text FROM t", as: credentials) == ["0"])
        try await provisioner.drop(identifier: credentials.database)
    }

    @Test func credentialsBecomeASecret() throws {
        let credentials = DatabaseCredentials(host: "pg.shared", port: 5432, database: "sc_shop_1", user: "sc_shop_1", password: "p@ss/word")
        let secret = credentials.secret(for: Make.key(1), namespace: "pr-1-shop")
        #expect(secret.kind == "Secret" && secret.namespace == "pr-1-shop")
        let data = secret.object.stringMap(at: "stringData")
        #expect(Set(data.keys) == ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"])
        #expect(data["DATABASE_URL"] == "postgres://sc_shop_1:p%40ss%2Fword@pg.shared:5432/sc_shop_1")
    }
}
