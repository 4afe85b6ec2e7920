import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `sandcastle github check` against the fake GitHub over real HTTP.
@Suite struct GitHubCheckCLITests {
    static let shop = RepositoryName(owner: "acme", name: "shop")
    static let blog = RepositoryName(owner: "acme", name: "blog")

    static func config(apiURL: String, tokenFile: String) -> String {
        """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        forge:
          github:
            apiURL: \(apiURL)
            token: { file: \(tokenFile) }
        repositories:
          - name: acme/shop
          - name: acme/blog

        """
    }

    @Test func reportsWhatWorksAndWhatDoesNot() async throws {
        let server = try await FakeGitHubServer.start()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        await server.github.addRepository(Self.shop, collaborators: ["bot": .write])
        await server.github.addRepository(Self.blog, collaborators: ["bot": .read])
        await server.github.addPersonalToken("ghp_SECRET_check", login: "bot")
        try dir.write(["token": "ghp_SECRET_check\n", "sandcastle.yaml": Self.config(apiURL: server.apiURL, tokenFile: dir.path + "/token")])
        let result = try await SandcastleExecutable.run(["github", "check", "-c", dir.path + "/sandcastle.yaml"])
        await server.stop()
        #expect(result.status == 1)
        #expect(result.stdout.contains("ok   credentials: a personal access token authenticates as bot"))
        #expect(result.stdout.contains("ok   acme/shop"))
        #expect(result.stdout.contains("FAIL acme/blog: missing permission: write access"))
        #expect(!(result.stdout + result.stderr).contains("ghp_SECRET_check"))
    }

    @Test func aBadTokenAndAMissingSecretAreExplained() async throws {
        let server = try await FakeGitHubServer.start()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        await server.github.addRepository(Self.shop)
        try dir.write(["token": "ghp_wrong", "sandcastle.yaml": Self.config(apiURL: server.apiURL, tokenFile: dir.path + "/token")])
        let bad = try await SandcastleExecutable.run(["github", "check", "-c", dir.path + "/sandcastle.yaml"])
        try dir.write(["sandcastle.yaml": Self.config(apiURL: server.apiURL, tokenFile: dir.path + "/absent")])
        let missing = try await SandcastleExecutable.run(["github", "check", "-c", dir.path + "/sandcastle.yaml"])
        await server.stop()
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("FAIL credentials: GitHub refused the token"))
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the secret from file \(dir.path)/absent"))
    }
}
