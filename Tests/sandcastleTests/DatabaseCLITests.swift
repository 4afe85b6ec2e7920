import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle apply` with a database, `db list`, `db drop` and `teardown`, against the fake API
/// server and the real PostgreSQL server `scripts/test.sh` starts.
@Suite struct DatabaseCLITests {
    static let root = repositoryRoot(from: #filePath)
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func config() -> String {
        """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        repositories:
          - name: acme/blog
            bundle: {path: deploy/preview, kind: manifests}
            database:
              enabled: true
              postgres: {admin: {env: SANDCASTLE_TEST_POSTGRES_URL}}
              seed: db/seed.sql

        """
    }

    @Test func applyListDropAndTeardownWithADatabase() async throws {
        guard ProcessInfo.processInfo.environment["SANDCASTLE_TEST_POSTGRES_URL"] != nil else {
            Issue.record("SANDCASTLE_TEST_POSTGRES_URL is not set: run scripts/test.sh, or eval \"$(scripts/test-postgres.sh start)\"")
            return
        }
        let server = try await FakeKubernetesServer.start()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pr = String(Int.random(in: 100_000...999_999))
        try dir.write([
            "kubeconfig": server.kubeconfig(), "sandcastle.yaml": Self.config(),
            "checkout/db/seed.sql": "CREATE TABLE posts (id int PRIMARY KEY, title text);\nINSERT INTO posts VALUES (1, 'hello');\n",
            "checkout/deploy/preview/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {pr: \"{{number}}\"}\n",
        ])
        let base = ["-c", dir.path + "/sandcastle.yaml"]
        let apply = try await SandcastleExecutable.run(
            ["apply"] + base + [
                "--repo", "acme/blog", "--pr", pr, "--sha", Self.sha, "--bundle", dir.path + "/checkout/deploy/preview", "--kubeconfig",
                dir.path + "/kubeconfig",
            ])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("database sc_blog_\(pr) ready"))
        let secret = try #require(
            await server.kubernetes.object(ResourceRef(apiVersion: "v1", kind: "Secret", namespace: "pr-\(pr)-blog", name: "sandcastle-database")))
        // Written as stringData, stored as data (base64), as the API server stores a Secret.
        let data = secret.stringMap(at: "data").compactMapValues { Data(base64Encoded: $0).map { String(decoding: $0, as: UTF8.self) } }
        #expect(data["PGDATABASE"] == "sc_blog_\(pr)")
        #expect(data["DATABASE_URL"]?.hasPrefix("postgres://sc_blog_\(pr):") == true)
        #expect(!(apply.stdout + apply.stderr).contains(data["PGPASSWORD"] ?? "?"), "the password is never printed")

        // Re-applying reuses the database and its password: nothing changes.
        let again = try await SandcastleExecutable.run(
            ["apply"] + base + [
                "--repo", "acme/blog", "--pr", pr, "--sha", Self.sha, "--bundle", dir.path + "/checkout/deploy/preview", "--kubeconfig",
                dir.path + "/kubeconfig",
            ])
        #expect(again.stdout.contains("unchanged"), "\(again.stdout)\(again.stderr)")

        let list = try await SandcastleExecutable.run(["db", "list"] + base)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("sc_blog_\(pr)") && list.stdout.contains("acme/blog"))

        let refused = try await SandcastleExecutable.run(["db", "drop"] + base + ["--repo", "acme/blog", "--pr", pr])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--confirm"))

        let teardown = try await SandcastleExecutable.run(
            ["teardown"] + base + ["--repo", "acme/blog", "--pr", pr, "--kubeconfig", dir.path + "/kubeconfig"])
        #expect(teardown.status == 0, "\(teardown.stderr)")
        #expect(teardown.stdout.contains("dropped database and role sc_blog_\(pr)"))
        let after = try await SandcastleExecutable.run(["db", "list"] + base)
        #expect(!after.stdout.contains("sc_blog_\(pr)"))
        let dropAgain = try await SandcastleExecutable.run(["db", "drop"] + base + ["--repo", "acme/blog", "--pr", pr, "--confirm"])
        #expect(dropAgain.status == 0 && dropAgain.stdout.contains("nothing to drop"))
        await server.stop()
    }
}
