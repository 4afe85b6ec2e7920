import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

@Suite("Listing pull requests")
struct ListingTests {
    typealias H = GitHubHarness

    static func addPulls(_ github: FakeGitHub, count: Int, labelled: Bool = true) async {
        for n in 1...count {
            await github.putPullRequest(H.repo, number: n, sha: H.sha(n), labels: labelled && n % 2 == 0 ? ["preview"] : [])
        }
    }

    @Test func followsEveryPageInOrder() async throws {
        try await H.with(setup: { await Self.addPulls($0, count: 250) }) { h in
            let pulls = try await h.client.openPullRequests(in: H.repo)
            #expect(pulls.map(\.key.number) == Array(1...250))
            #expect(pulls[1].headSHA == H.sha(2))
            #expect(await h.github.requests(matching: "/pulls").count == 3)
        }
    }

    @Test func reusesTheCachedPageOnNotModified() async throws {
        try await H.with(setup: { await Self.addPulls($0, count: 150) }) { h in
            let first = try await h.client.openPullRequests(in: H.repo)
            let budgetBefore = await h.client.rateLimitBudgets().first?.remaining
            let second = try await h.client.openPullRequests(in: H.repo)
            #expect(first == second)
            let pages = await h.github.requests(matching: "/pulls")
            #expect(pages.count == 4)
            #expect(pages.suffix(2).allSatisfy { $0.status == 304 && $0.ifNoneMatch != nil })
            // A 304 costs no budget.
            #expect(await h.client.rateLimitBudgets().first?.remaining == budgetBefore)
        }
    }

    @Test func aChangeAfterCachingIsSeen() async throws {
        try await H.with(setup: { await Self.addPulls($0, count: 3) }) { h in
            _ = try await h.client.openPullRequests(in: H.repo)
            await h.github.putPullRequest(H.repo, number: 2, sha: H.sha(99), labels: ["preview"])
            let pulls = try await h.client.openPullRequests(in: H.repo)
            #expect(pulls.first { $0.key.number == 2 }?.headSHA == H.sha(99))
        }
    }

    static let faults: [(String, FakeGitHubFault)] = [
        ("502 on the first page", FakeGitHubFault(.status(502, message: "Server Error"), pathContains: "/pulls")),
        ("HTML with 200", FakeGitHubFault(.htmlOK, pathContains: "/pulls")),
        ("truncated JSON", FakeGitHubFault(.truncatedJSON, pathContains: "/pulls")),
        ("a timeout", FakeGitHubFault(.delay(seconds: 6), pathContains: "/pulls")),
        ("500 on page 2", FakeGitHubFault(.status(500, message: "Server Error"), pathContains: "/pulls", page: 2)),
        ("HTML on page 3", FakeGitHubFault(.htmlOK, pathContains: "/pulls", page: 3)),
        ("truncated page 2", FakeGitHubFault(.truncatedJSON, pathContains: "/pulls", page: 2)),
        ("404 on page 3", FakeGitHubFault(.status(404, message: "Not Found"), pathContains: "/pulls", page: 3)),
    ]

    @Test(arguments: 0..<faults.count)
    func anyFailedPageFailsTheWholeListing(_ index: Int) async throws {
        let (name, fault) = Self.faults[index]
        try await H.with(requestTimeout: 3, setup: { await Self.addPulls($0, count: 250, labelled: false) }) { h in
            await h.github.inject(fault)
            await #expect(throws: GitHubError.self, "\(name)") { _ = try await h.client.openPullRequests(in: H.repo) }
            // A slow machine may fail the first listing before it reaches the faulty page: the fault goes either way.
            await h.github.clearFaults()
            do {
                _ = try await h.client.openPullRequests(in: H.repo)  // the fault is gone: the next listing is whole
            } catch {
                Issue.record("listing after \(name) failed: \(error)")
            }
        }
    }

    @Test func anIncompleteListingNamesTheRepositoryAndPage() async throws {
        try await H.with(setup: { await Self.addPulls($0, count: 250) }) { h in
            await h.github.inject(FakeGitHubFault(.status(503, message: "Service Unavailable"), pathContains: "/pulls", page: 2))
            do {
                _ = try await h.client.openPullRequests(in: H.repo)
                Issue.record("expected an error")
            } catch let error as GitHubError {
                guard case .incompleteListing(let repository, let page, let cause) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(repository == "acme/shop")
                #expect(page == 2)
                #expect(cause.contains("503"))
            }
        }
    }

    @Test func readsOnePullRequestAndConfirmsAbsence() async throws {
        try await H.with(setup: { await Self.addPulls($0, count: 2) }) { h in
            await h.github.putPullRequest(H.repo, number: 5, sha: H.sha(5), state: "closed", merged: true)
            let closed = try #require(try await h.client.pullRequest(Make.key(5)))
            #expect(closed.state == .closed && closed.merged)
            #expect(try await h.client.pullRequest(Make.key(404)) == nil)
        }
    }

    @Test func labelGrantNamesWhoAddedTheLabelAndTheirPermission() async throws {
        try await H.with(setup: { github in
            await github.putPullRequest(H.repo, number: 1, sha: H.sha(1), labels: ["preview"], labeledBy: "maintainer")
            await github.putPullRequest(H.repo, number: 2, sha: H.sha(2), labels: ["preview"], labeledBy: "outsider")
            await github.putPullRequest(H.repo, number: 3, sha: H.sha(3), labels: ["preview"], labeledBy: "stranger")
            await github.putPullRequest(H.repo, number: 4, sha: H.sha(4), labels: ["other"], labeledBy: "maintainer")
        }) { h in
            let pulls = try await h.client.openPullRequests(in: H.repo)
            #expect(pulls[0].labelGrant == LabelGrant(label: "preview", addedBy: "maintainer", permission: .maintain))
            #expect(pulls[1].labelGrant == LabelGrant(label: "preview", addedBy: "outsider", permission: .read))
            #expect(pulls[2].labelGrant == LabelGrant(label: "preview", addedBy: "stranger", permission: Permission.none))
            #expect(pulls[3].labelGrant == nil)
        }
    }

    @Test func aFailedPermissionReadLeavesTheGrantUndetermined() async throws {
        try await H.with(setup: { github in
            await github.putPullRequest(H.repo, number: 1, sha: H.sha(1), labels: ["preview"], labeledBy: "maintainer")
        }) { h in
            await h.github.inject(FakeGitHubFault(.status(502, message: "Server Error"), pathContains: "/permission"))
            let pulls = try await h.client.openPullRequests(in: H.repo)
            #expect(pulls[0].labelGrant == LabelGrant(label: "preview", addedBy: "maintainer", permission: nil))
        }
    }

    @Test func forkAndDraftAreReported() async throws {
        try await H.with(setup: { github in
            await github.putPullRequest(H.repo, number: 1, sha: H.sha(1), draft: true, fork: true)
        }) { h in
            let pr = try #require(try await h.client.pullRequest(Make.key(1)))
            #expect(pr.draft && pr.isFromFork)
        }
    }
}
