import Foundation
import SandcastleCore
import SandcastleTestSupport

@testable import SandcastleGitHub

/// A fake GitHub on loopback and a client pointed at it, sharing one manual clock.
struct GitHubHarness {
    static let repo = RepositoryName(owner: "acme", name: "shop")
    static let token = "ghp_test_token"

    let clock: ManualClock
    let server: FakeGitHubServer
    let client: GitHubClient
    var github: FakeGitHub { server.github }

    /// Runs `body` against a fake holding `acme/shop` with `bot` as a writer, using a token.
    static func with(
        credential: GitHubCredential? = nil, requestTimeout: TimeInterval = 5, setup: (FakeGitHub) async throws -> Void = { _ in },
        _ body: (GitHubHarness) async throws -> Void
    ) async throws {
        let clock = ManualClock()
        let server = try await FakeGitHubServer.start(clock: clock)
        let github = server.github
        await github.addRepository(repo, collaborators: ["bot": .write, "maintainer": .maintain, "outsider": .read], installationID: 77)
        await github.addPersonalToken(token, login: "bot")
        try await setup(github)
        let client = try GitHubClient(
            configuration: GitHubClientConfiguration(
                apiURL: server.apiURL, credential: credential ?? .token(token), requestTimeout: requestTimeout,
                repositories: Make.catalog([repo])),
            clock: clock)
        let harness = GitHubHarness(clock: clock, server: server, client: client)
        do {
            try await body(harness)
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        try await client.shutdown()
        await server.stop()
    }

    /// Another client on the same fake, as after a restart (nothing remembered).
    func freshClient(credential: GitHubCredential? = nil) throws -> GitHubClient {
        try GitHubClient(
            configuration: GitHubClientConfiguration(apiURL: server.apiURL, credential: credential ?? .token(Self.token)), clock: clock)
    }

    static func sha(_ n: Int) -> String { String(format: "%040x", n) }
}
