import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Database settings and quota increments")
struct DatabaseConfigTests {
    static func config(_ database: String) -> String {
        """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        defaults:
          quota: {requests.storage: 4Gi, count/secrets: "10", requests.cpu: 1500m}
        repositories:
          - name: acme/shop
            database:
        \(database.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    static func issues(_ text: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(text, file: "sandcastle.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func aFullDatabaseBlockParses() throws {
        let text = Self.config(
            """
            enabled: true
            postgres: {admin: {env: PREVIEW_PG_ADMIN}, host: "pg.shared.svc:5432"}
            seed: db/seed
            template: false
            retention: 3d
            quota: {requests.storage: 1Gi, count/secrets: "1", requests.cpu: 500m}
            """)
        let settings = try #require(try ConfigLoader.parse(text, file: "sandcastle.yaml").repositories.first?.settings.database)
        #expect(settings.enabled && !settings.template)
        #expect(settings.postgres == PostgresServerSettings(admin: .environment("PREVIEW_PG_ADMIN"), host: "pg.shared.svc:5432"))
        #expect(settings.seed == "db/seed")
        #expect(settings.retention == ConfigDuration(seconds: 3 * 86400))
    }

    @Test(arguments: [
        ("enabled: true", "repositories[0].database.postgres: missing; a database needs postgres.admin"),
        ("enabled: true\npostgres: {host: pg}", "repositories[0].database.postgres.admin: missing"),
        ("enabled: true\npostgres: {admin: postgres://u:secret@h/db}", "repositories[0].database.postgres.admin: secrets are never written inline"),
        ("seed: ../outside.sql", "repositories[0].database.seed: '../outside.sql' must be a relative path inside the repository"),
        ("postgres: {admin: {env: X}, host: 'pg:99999'}", "repositories[0].database.postgres.host: 'pg:99999' is not HOST or HOST:PORT"),
        ("quota: {requests.storage: lots}", "repositories[0].database.quota"),
        ("tempalte: true", "unknown key 'tempalte'"),
    ])
    func badDatabaseSettingsAreNamed(snippet: String, message: String) {
        let issues = Self.issues(Self.config(snippet))
        #expect(issues.contains { $0.contains(message) }, "\(issues)")
        #expect(!issues.joined().contains("secret@h"), "an inline secret is not echoed")
    }

    @Test func anEnabledDatabaseGrowsTheQuota() throws {
        let text = Self.config(
            "enabled: true\npostgres: {admin: {env: A}}\nquota: {requests.storage: 1Gi, count/secrets: \"1\", requests.cpu: 500m, limits.memory: 256Mi}"
        )
        let settings = try #require(try ConfigLoader.parse(text, file: "sandcastle.yaml").repositories.first?.settings)
        let preview = try Renderer().assemble([], context: RenderContext(key: Make.key(1), sha: Make.sha, settings: settings))
        let quota = try #require(preview.objects.first { $0.kind == "ResourceQuota" })
        #expect(
            quota.object.stringMap(at: "spec.hard") == [
                "requests.storage": "5Gi", "count/secrets": "11", "requests.cpu": "2000m", "limits.memory": "256Mi",
            ])
        var disabled = settings
        disabled.database.enabled = false
        let plain = try Renderer().assemble([], context: RenderContext(key: Make.key(1), sha: Make.sha, settings: disabled))
        #expect(plain.objects.first { $0.kind == "ResourceQuota" }?.object.stringMap(at: "spec.hard")["requests.storage"] == "4Gi")
    }

    @Test func quantitiesAddExactly() {
        func sum(_ a: String, _ b: String) -> String? { (Quantity(a).flatMap { x in Quantity(b).map { x + $0 } })?.text }
        #expect(sum("4Gi", "1Gi") == "5Gi")
        #expect(sum("1Gi", "512Mi") == "1610612736")
        #expect(sum("1500m", "500m") == "2000m")
        #expect(sum("1", "250m") == "1250m")
        #expect(sum("10", "1") == "11")
        #expect(sum("1e3", "1k") == "2000")
        #expect(Quantity("lots") == nil)
    }
}
