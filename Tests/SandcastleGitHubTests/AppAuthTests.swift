import Foundation
import JWTKit
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

@Suite("GitHub App authentication")
struct AppAuthTests {
    typealias H = GitHubHarness

    static func withApp(installationID: Int? = nil, _ body: (GitHubHarness) async throws -> Void) async throws {
        let keys = try TestKeys.rsa()
        try await H.with(
            credential: .app(id: 4242, installationID: installationID, privateKeyPEM: keys.privatePEM),
            setup: { github in
                try await github.registerApp(id: 4242, slug: "sandcastle-preview", publicKeyPEM: keys.publicPEM)
                await github.setInstallationPermissions(
                    77,
                    ["pull_requests": "read", "statuses": "write", "deployments": "write", "issues": "write", "metadata": "read", "contents": "read"])
                await github.putPullRequest(H.repo, number: 1, sha: H.sha(1))
            }, body)
    }

    @Test func jwtIsBackdatedAndShortLived() async throws {
        try await Self.withApp { h in
            let token = try await h.client.authenticator.jwt()
            let parts = token.split(separator: ".")
            #expect(parts.count == 3)
            var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            let claims = try JSONDecoder().decode([String: JSONValue].self, from: try #require(Data(base64Encoded: payload)))
            let now = h.clock.now.timeIntervalSince1970
            #expect(claims["iat"]?.number == now - 60)
            let exp = try #require(claims["exp"]?.number)
            #expect(exp > now && exp <= now + 600)
            #expect(claims["iss"]?.string == "4242")
            let header = try JSONDecoder().decode([String: JSONValue].self, from: try #require(Data(base64Encoded: String(parts[0]) + "==")))
            #expect(header["alg"]?.string == "RS256")
        }
    }

    @Test func installationTokenIsCachedThenRefreshedBeforeExpiry() async throws {
        try await Self.withApp { h in
            _ = try await h.client.pullRequest(Make.key(1))
            #expect(await h.github.issuedTokens == 1)
            #expect(await h.github.requests(matching: "/shop/installation").count == 1)
            h.clock.advance(by: 30 * 60)
            _ = try await h.client.pullRequest(Make.key(1))
            #expect(await h.github.issuedTokens == 1)
            h.clock.advance(by: 26 * 60)  // 56 minutes in: under 5 minutes left
            _ = try await h.client.pullRequest(Make.key(1))
            #expect(await h.github.issuedTokens == 2)
            #expect(await h.github.requests(matching: "/shop/installation").count == 1)  // the installation id is cached
            let requests = await h.github.requests(matching: "/pulls/1")
            #expect(requests.allSatisfy { $0.credential == "installation/77" && $0.status == 200 })
        }
    }

    @Test func concurrentRequestsShareOneTokenPurchase() async throws {
        try await Self.withApp { h in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { _ = try await h.client.pullRequest(Make.key(1)) } }
                try await group.waitForAll()
            }
            #expect(await h.github.issuedTokens == 1)
        }
    }

    @Test func aRevokedTokenIsReplacedOnce() async throws {
        try await Self.withApp { h in
            _ = try await h.client.pullRequest(Make.key(1))
            await h.github.inject(FakeGitHubFault(.status(401, message: "Bad credentials"), pathContains: "/pulls/1"))
            let read = try await h.client.pullRequest(Make.key(1))
            #expect(read != nil)
            #expect(await h.github.issuedTokens == 2)
        }
    }

    @Test func appNotInstalledIsNamed() async throws {
        try await Self.withApp { h in
            let other = RepositoryName(owner: "acme", name: "blog")
            await h.github.addRepository(other)
            await #expect(throws: GitHubError.appNotInstalled(repository: "acme/blog")) {
                _ = try await h.client.pullRequest(PreviewKey(repository: other, number: 1))
            }
        }
    }

    @Test func aKeyThatIsNotRSAIsRefusedWithoutEchoingIt() throws {
        let secret = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-SECRET123\n-----END RSA PRIVATE KEY-----"
        do {
            _ = try GitHubClient(configuration: .init(credential: .app(id: 1, installationID: nil, privateKeyPEM: secret)))
            Issue.record("expected an error")
        } catch let error as GitHubError {
            guard case .badPrivateKey = error else { Issue.record("unexpected \(error)"); return }
            #expect(!String(describing: error).contains("SECRET123"))
        }
    }

    @Test func aKeyOfAnotherAppIsRefusedByGitHub() async throws {
        let keys = try TestKeys.rsa()
        let wrong = try TestKeys.rsa()
        try await H.with(
            credential: .app(id: 4242, installationID: nil, privateKeyPEM: wrong.privatePEM),
            setup: { try await $0.registerApp(id: 4242, slug: "sandcastle-preview", publicKeyPEM: keys.publicPEM) }
        ) { h in
            let report = await h.client.checkAccess(to: [H.repo])
            #expect(!report.ok)
            #expect(report.findings[0].detail.contains("private key belongs to this App"))
        }
    }

    @Test func credentialDescriptionsHideSecrets() {
        #expect(GitHubCredential.token("ghp_SECRET").description == "a personal access token")
        #expect(!GitHubCredential.app(id: 3, installationID: nil, privateKeyPEM: "SECRET").description.contains("SECRET"))
    }
}

/// Just enough JSON to read JWT claims.
enum JSONValue: Decodable {
    case number(Double), string(String), other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else {
            self = .other
        }
    }

    var number: Double? { if case .number(let value) = self { value } else { nil } }
    var string: String? { if case .string(let value) = self { value } else { nil } }
}
