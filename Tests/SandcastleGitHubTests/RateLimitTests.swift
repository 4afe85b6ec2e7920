import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

@Suite("Rate limits")
struct RateLimitTests {
    typealias H = GitHubHarness

    static func onePull(_ github: FakeGitHub) async { await github.putPullRequest(H.repo, number: 1, sha: H.sha(1)) }

    @Test func primaryLimitBlocksEveryRequestUntilTheReset() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.inject(FakeGitHubFault(.primaryRateLimit(resetIn: 3600), pathContains: "/pulls/1"))
            await #expect(throws: GitHubError.self) { _ = try await h.client.pullRequest(Make.key(1)) }
            let sent = await h.github.requests.count
            // Blocked: fails at once without a request, whatever the endpoint.
            for _ in 0..<3 {
                await #expect(throws: GitHubError.self) { _ = try await h.client.pullRequest(Make.key(1)) }
                await #expect(throws: GitHubError.self) { _ = try await h.client.openPullRequests(in: H.repo) }
            }
            #expect(await h.github.requests.count == sent)
            h.clock.advance(by: 1800)
            await #expect(throws: GitHubError.self) { _ = try await h.client.pullRequest(Make.key(1)) }
            #expect(await h.github.requests.count == sent)
            h.clock.advance(by: 1802)
            let read = try await h.client.pullRequest(Make.key(1))
            #expect(read != nil)
            #expect(await h.github.requests.count == sent + 1)
        }
    }

    @Test func theErrorSaysUntilWhen() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.inject(FakeGitHubFault(.primaryRateLimit(resetIn: 600), pathContains: "/pulls/1"))
            do {
                _ = try await h.client.pullRequest(Make.key(1))
                Issue.record("expected a rate-limit error")
            } catch let GitHubError.rateLimited(_, kind, until) {
                #expect(kind == .primary)
                #expect(until >= h.clock.now.addingTimeInterval(599))
            }
        }
    }

    @Test func aShortPrimaryWaitIsSleptThrough() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.inject(FakeGitHubFault(.primaryRateLimit(resetIn: 20), pathContains: "/pulls/1"))
            let start = h.clock.now
            let read = try await h.client.pullRequest(Make.key(1))
            #expect(read != nil)
            let calls = await h.github.requests(matching: "/pulls/1")
            #expect(calls.count == 2)
            #expect(calls[1].at.timeIntervalSince(start) >= 20)
        }
    }

    @Test func secondaryLimitHonoursRetryAfter() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.inject(FakeGitHubFault(.secondaryRateLimit(retryAfter: 30), pathContains: "/pulls/1"))
            let start = h.clock.now
            let read = try await h.client.pullRequest(Make.key(1))
            #expect(read != nil)
            let calls = await h.github.requests(matching: "/pulls/1")
            #expect(calls.count == 2)
            #expect(calls[1].at.timeIntervalSince(start) >= 30)
            #expect(h.clock.sleeps == [30])
        }
    }

    @Test func secondaryLimitWithoutRetryAfterWaitsAMinuteThenBacksOff() async throws {
        try await H.with(setup: Self.onePull) { h in
            await h.github.inject(FakeGitHubFault(.secondaryRateLimit(retryAfter: nil), pathContains: "/pulls/1", times: 1))
            let read = try await h.client.pullRequest(Make.key(1))
            #expect(read != nil)
            #expect(h.clock.sleeps == [60])
            // Two in a row: 60 s then 120 s would exceed the 60 s the caller waits, so the second fails fast.
            await h.github.inject(FakeGitHubFault(.secondaryRateLimit(retryAfter: nil), pathContains: "/pulls/1", times: 2))
            await #expect(throws: GitHubError.self) { _ = try await h.client.pullRequest(Make.key(1)) }
            #expect(h.clock.sleeps == [60, 60])
        }
    }

    @Test func stateMachineBacksOffExponentially() {
        var state = RateLimitState()
        let now = Date(timeIntervalSince1970: 1_000)
        let body = Data(#"{"message":"You have exceeded a secondary rate limit."}"#.utf8)
        #expect(state.observe(status: 403, headers: [:], body: body, now: now) == .limited(.secondary, until: now.addingTimeInterval(60)))
        #expect(state.observe(status: 403, headers: [:], body: body, now: now) == .limited(.secondary, until: now.addingTimeInterval(120)))
        #expect(state.observe(status: 429, headers: [:], body: Data(), now: now) == .limited(.secondary, until: now.addingTimeInterval(240)))
        #expect(state.observe(status: 200, headers: ["x-ratelimit-remaining": "4999"], body: Data(), now: now) == .proceed)
        #expect(state.secondaryStrikes == 0)
        #expect(state.remaining == 4999)
        // An ordinary 403 (a missing permission) is not a rate limit.
        #expect(
            state.observe(status: 403, headers: ["x-ratelimit-remaining": "10"], body: Data(#"{"message":"Must have push access"}"#.utf8), now: now)
                == .proceed)
        // Primary: until the reset, plus a second of slack.
        let verdict = state.observe(status: 403, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "5000"], body: Data(), now: now)
        #expect(verdict == .limited(.primary, until: Date(timeIntervalSince1970: 5001)))
        #expect(state.wait(now: now) == Date(timeIntervalSince1970: 5001))
        #expect(state.wait(now: Date(timeIntervalSince1970: 5002)) == nil)
    }

    @Test func requestsOfOneCredentialGoOneAtATime() async throws {
        try await H.with(setup: { github in for n in 1...8 { await github.putPullRequest(H.repo, number: n, sha: H.sha(n)) } }) { h in
            await h.github.inject(FakeGitHubFault(.delay(seconds: 0.1), pathContains: "/pulls/", times: 8))
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 1...8 { group.addTask { _ = try await h.client.pullRequest(Make.key(n)) } }
                try await group.waitForAll()
            }
            // Eight 0.1 s requests in series take at least 0.8 s; in parallel they would take 0.1 s.
            #expect(Date().timeIntervalSince(started) >= 0.8)
        }
    }

    @Test func budgetIsExposed() async throws {
        try await H.with(setup: Self.onePull) { h in
            _ = try await h.client.pullRequest(Make.key(1))
            let budget = try #require(await h.client.rateLimitBudgets().first)
            #expect(budget.credential == "token")
            #expect(budget.limit == 5000)
            #expect(budget.remaining == 4999)
        }
    }
}
