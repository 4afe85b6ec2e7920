import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

@Suite("github check")
struct AccessCheckTests {
    typealias H = GitHubHarness

    @Test func aWriterTokenPasses() async throws {
        try await H.with { h in
            let report = await h.client.checkAccess(to: [H.repo])
            #expect(report.ok, "\(report.findings)")
            #expect(report.findings[0].detail.contains("authenticates as bot"))
        }
    }

    @Test func aReadOnlyTokenAndAHiddenRepositoryAreNamed() async throws {
        try await H.with(setup: { await $0.addPersonalToken("ghp_reader", login: "outsider") }) { h in
            let reader = try h.freshClient(credential: .token("ghp_reader"))
            let report = await reader.checkAccess(to: [H.repo, RepositoryName(owner: "acme", name: "secret")])
            try await reader.shutdown()
            #expect(!report.ok)
            #expect(report.findings[1].detail.contains("write access"))
            #expect(report.findings[2].detail.contains("not found"))
        }
    }

    @Test func aBadTokenSaysSo() async throws {
        try await H.with { h in
            let bad = try h.freshClient(credential: .token("ghp_wrong"))
            let report = await bad.checkAccess(to: [H.repo])
            try await bad.shutdown()
            #expect(report.findings.count == 1)
            #expect(report.findings[0].detail.contains("refused the token"))
        }
    }

    @Test func anAppMissingAPermissionOrAnInstallationIsNamed() async throws {
        let keys = try TestKeys.rsa()
        let blog = RepositoryName(owner: "acme", name: "blog")
        try await H.with(
            credential: .app(id: 5, installationID: nil, privateKeyPEM: keys.privatePEM),
            setup: { github in
                try await github.registerApp(id: 5, slug: "sandcastle", publicKeyPEM: keys.publicPEM)
                await github.setInstallationPermissions(77, ["pull_requests": "read", "statuses": "write", "issues": "write"])
                await github.addRepository(blog)
            }
        ) { h in
            let report = await h.client.checkAccess(to: [H.repo, blog])
            try #require(report.findings.count == 3, "\(report.findings)")
            #expect(report.findings[0].ok)
            #expect(report.findings[0].detail.contains("sandcastle[bot]"))
            #expect(!report.findings[1].ok)
            #expect(report.findings[1].detail.contains("deployments: write"))
            #expect(report.findings[2].detail.contains("not installed on acme/blog"))
        }
    }
}

@Suite struct GitHubAddressTests {
    @Test(arguments: [
        ("https://api.github.com", "https://github.com", "https://github.com/acme/shop.git"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com", "https://ghe.example.com/acme/shop.git"),
    ])
    func webAndCloneURLsFollowTheAPIURL(api: String, web: String, clone: String) async throws {
        let client = try GitHubClient(configuration: GitHubClientConfiguration(apiURL: api, credential: .token("t")))
        #expect(client.webURL == web)
        #expect(client.cloneURL(for: RepositoryName(owner: "acme", name: "shop")) == clone)
        try await client.shutdown()
    }
}
