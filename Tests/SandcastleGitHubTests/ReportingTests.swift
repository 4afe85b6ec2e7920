import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

@Suite("Reporting to GitHub")
struct ReportingTests {
    typealias H = GitHubHarness
    static let key = Make.key(1)
    static let sha = H.sha(1)

    static func onePull(_ github: FakeGitHub) async { await github.putPullRequest(H.repo, number: 1, sha: H.sha(1)) }

    @Test func statusesAreSetOncePerChange() async throws {
        try await H.with(setup: Self.onePull) { h in
            let pending = CommitStatus(context: .deploy, state: .pending, description: "Deploying")
            try await h.client.setStatus(pending, on: Self.sha, of: Self.key)
            try await h.client.setStatus(pending, on: Self.sha, of: Self.key)
            let ready = CommitStatus(context: .deploy, state: .success, description: "Ready", targetURL: "https://pr-1.preview.example.com")
            try await h.client.setStatus(ready, on: Self.sha, of: Self.key)
            try await h.client.setStatus(CommitStatus(context: .seed, state: .failure, description: "seed failed"), on: Self.sha, of: Self.key)
            let statuses = await h.github.statuses(H.repo, sha: Self.sha)
            #expect(statuses.map(\.state) == ["failure", "success", "pending"])
            #expect(statuses.map(\.context) == ["sandcastle/seed", "sandcastle/deploy", "sandcastle/deploy"])
            #expect(statuses[1].targetURL == "https://pr-1.preview.example.com")
            // After a restart, repeating the latest status is harmless: GitHub keeps the same state.
            let restarted = try h.freshClient()
            try await restarted.setStatus(ready, on: Self.sha, of: Self.key)
            try await restarted.shutdown()
            #expect(await h.github.statuses(H.repo, sha: Self.sha).first { $0.context == "sandcastle/deploy" }?.state == "success")
        }
    }

    @Test func aMissingPermissionIsAClearError() async throws {
        try await H.with(setup: { github in
            await Self.onePull(github)
            await github.addPersonalToken("ghp_reader", login: "outsider")
        }) { h in
            let reader = try h.freshClient(credential: .token("ghp_reader"))
            do {
                try await reader.setStatus(CommitStatus(context: .deploy, state: .pending, description: "x"), on: Self.sha, of: Self.key)
                Issue.record("expected a 403")
            } catch let error as GitHubError {
                #expect(error.statusCode == 403)
                #expect(String(describing: error).contains("POST /repos/acme/shop/statuses/"))
                #expect(!String(describing: error).contains("ghp_reader"))
            }
            try await reader.shutdown()
        }
    }

    @Test func deploymentIsUpsertedPerCommit() async throws {
        try await H.with(setup: Self.onePull) { h in
            let environment = DeploymentUpdate.defaultEnvironment(for: Self.key)
            #expect(environment == "pr-1")
            let url = "https://pr-1.preview.example.com"
            try await h.client.reportDeployment(.init(state: .inProgress, sha: Self.sha, environment: environment), of: Self.key)
            try await h.client.reportDeployment(.init(state: .inProgress, sha: Self.sha, environment: environment), of: Self.key)
            try await h.client.reportDeployment(.init(state: .success, sha: Self.sha, environment: environment, environmentURL: url), of: Self.key)
            try await h.client.reportDeployment(.init(state: .success, sha: Self.sha, environment: environment, environmentURL: url), of: Self.key)
            var deployments = await h.github.deployments(H.repo)
            #expect(deployments.count == 1)
            #expect(deployments[0].environment == "pr-1" && deployments[0].transient && !deployments[0].production)
            #expect(deployments[0].statuses.map(\.state) == ["in_progress", "success"])
            #expect(deployments[0].statuses.last?.environmentURL == url)

            // A restarted controller finds the deployment and its state instead of making another.
            let restarted = try h.freshClient()
            try await restarted.reportDeployment(.init(state: .success, sha: Self.sha, environment: environment, environmentURL: url), of: Self.key)
            deployments = await h.github.deployments(H.repo)
            #expect(deployments.count == 1)
            #expect(deployments[0].statuses.count == 2)

            // A push: a new deployment for the new commit.
            let pushed = H.sha(2)
            try await restarted.reportDeployment(.init(state: .failure, sha: pushed, environment: environment), of: Self.key)
            // Teardown: every deployment of the environment becomes inactive, once.
            try await restarted.reportDeployment(.init(state: .inactive, sha: pushed, environment: environment), of: Self.key)
            try await restarted.reportDeployment(.init(state: .inactive, sha: pushed, environment: environment), of: Self.key)
            try await restarted.shutdown()
            deployments = await h.github.deployments(H.repo)
            #expect(deployments.count == 2)
            #expect(deployments.map { $0.statuses.last?.state } == ["inactive", "inactive"])
            #expect(deployments.map { $0.statuses.filter { $0.state == "inactive" }.count } == [1, 1])
        }
    }

    static func comment(_ state: CommitStatus.State, url: String? = "https://pr-1.preview.example.com") -> PreviewComment {
        PreviewComment(
            key: key, url: url, sha: sha, stages: [.init(context: .deploy, state: state, description: "deploy \(state.rawValue)")],
            expiresAt: Make.epoch.addingTimeInterval(7 * 86400))
    }

    @Test func theStickyCommentIsPostedOnceAndEditedInPlace() async throws {
        try await H.with(setup: Self.onePull) { h in
            try await h.client.upsertComment(Self.comment(.pending))
            try await h.client.upsertComment(Self.comment(.pending))
            #expect(await h.github.requests(matching: "/comments").filter { $0.method != "GET" }.count == 1)
            try await h.client.upsertComment(Self.comment(.success))
            var comments = await h.github.comments(H.repo, issue: 1)
            #expect(comments.count == 1)
            #expect(comments[0].body.hasPrefix(PreviewComment.marker))
            #expect(comments[0].body.contains("✅ success"))
            #expect(comments[0].author == "bot")

            // A restart: the comment is found by its marker and edited, not posted again.
            let restarted = try h.freshClient()
            try await restarted.upsertComment(Self.comment(.failure))
            comments = await h.github.comments(H.repo, issue: 1)
            #expect(comments.count == 1)
            #expect(comments[0].body.contains("❌ failure"))

            // Deleted by a user: posted again, once.
            await h.github.deleteComment(H.repo, id: comments[0].id)
            try await restarted.upsertComment(Self.comment(.success))
            try await restarted.upsertComment(Self.comment(.success))
            try await restarted.shutdown()
            #expect(await h.github.comments(H.repo, issue: 1).count == 1)
        }
    }

    @Test func concurrentUpsertsPostOneComment() async throws {
        try await H.with(setup: Self.onePull) { h in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for state in [CommitStatus.State.pending, .success, .failure, .error] {
                    group.addTask { try await h.client.upsertComment(Self.comment(state)) }
                }
                try await group.waitForAll()
            }
            #expect(await h.github.comments(H.repo, issue: 1).count == 1)
        }
    }

    @Test func someoneElsesCommentWithTheMarkerIsLeftAlone() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.addComment(H.repo, issue: 1, body: PreviewComment.marker + "\nfake preview at https://evil.example", author: "mallory")
            try await h.client.upsertComment(Self.comment(.success))
            let comments = await h.github.comments(H.repo, issue: 1)
            #expect(comments.count == 2)
            #expect(comments[0].body.contains("evil.example"))
            #expect(comments[1].author == "bot")
        }
    }

    @Test func theCommentCarriesTheTeardownReceipt() async throws {
        try await H.with(setup: Self.onePull) { h in
            try await h.client.upsertComment(Self.comment(.success))
            var receipt = Self.comment(.success)
            receipt.teardown = .init(at: Make.epoch, reason: "the pull request was closed", namespace: "pr-1-shop", confirmedGone: true)
            try await h.client.upsertComment(receipt)
            let comments = await h.github.comments(H.repo, issue: 1)
            #expect(comments.count == 1)
            #expect(comments[0].body.contains("Preview removed"))
            #expect(comments[0].body.contains("pr-1-shop"))
        }
    }

    @Test func anAppWritesAsItsBot() async throws {
        let keys = try TestKeys.rsa()
        try await H.with(
            credential: .app(id: 9, installationID: nil, privateKeyPEM: keys.privatePEM),
            setup: { github in
                try await github.registerApp(id: 9, slug: "sandcastle", publicKeyPEM: keys.publicPEM)
                await github.setInstallationPermissions(
                    77, ["issues": "write", "statuses": "write", "deployments": "write", "pull_requests": "read", "contents": "read"])
                await Self.onePull(github)
            }
        ) { h in
            try await h.client.upsertComment(Self.comment(.pending))
            try await h.client.upsertComment(Self.comment(.success))
            let comments = await h.github.comments(H.repo, issue: 1)
            #expect(comments.map(\.author) == ["sandcastle[bot]"])
        }
    }
}
