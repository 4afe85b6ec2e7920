import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Sticky comment")
struct PreviewCommentTests {
    static let base = PreviewComment(
        key: Make.key(42), url: "https://shop-pr-42.preview.acme.dev", sha: Make.sha,
        stages: [
            .init(context: .deploy, state: .success, description: "Ready"),
            .init(context: .seed, state: .failure, description: "seed.sql:3: syntax error | near <script>"),
        ], expiresAt: Date(timeIntervalSince1970: 1_800_604_800))

    @Test func showsURLCommitStagesAndExpiry() {
        let text = Self.base.markdown
        #expect(text.hasPrefix(PreviewComment.marker + "\n"))
        #expect(text.contains("**URL:** https://shop-pr-42.preview.acme.dev"))
        #expect(text.contains("**Commit:** `a1a1a1a1a1a1`"))
        #expect(text.contains("**Expires:** 2027-01-22T08:00:00Z"))
        #expect(text.contains("| sandcastle/deploy | ✅ success | `Ready` |"))
        // Text from a PR (an error message) cannot break the table or inject HTML: a code span.
        #expect(text.contains("| sandcastle/seed | ❌ failure | `seed.sql:3: syntax error \\| near <script>` |"))
        #expect(Self.base.markdown == text, "deterministic")
    }

    @Test func aWaitingPreviewShowsItsQueuePosition() {
        var waiting = Self.base
        waiting.queuePosition = 3
        #expect(waiting.markdown.contains("position **3** in the queue"))
        #expect(!waiting.markdown.contains("**URL:**"))
    }

    @Test func theTeardownReceiptReplacesTheBody() {
        var gone = Self.base
        gone.teardown = .init(
            at: Date(timeIntervalSince1970: 1_800_000_000), reason: "the pull request was merged", namespace: "pr-42-shop", confirmedGone: true)
        #expect(gone.markdown.contains("### Preview removed"))
        #expect(gone.markdown.contains("the pull request was merged"))
        #expect(gone.markdown.contains("`pr-42-shop` and everything in it are gone"))
        #expect(!gone.markdown.contains("| Stage |"))
        gone.teardown?.confirmedGone = false
        #expect(gone.markdown.contains("is being deleted"))
    }

    @Test func aThousandProblemsMakeOneCommentUnderGitHubsLimit() {
        var comment = Self.base
        comment.problems = (0..<1000).map {
            "app-\($0).yaml: Ingress/web-\($0): spec.rules[0].host: host 'evil-\($0).example.com' is not this preview's; "
                + String(repeating: "x", count: 200)
        }
        let text = comment.markdown
        #expect(text.count < PreviewComment.maxLength)
        #expect(text.count < 65_536, "GitHub's limit")
        #expect(text.contains("- …and 950 more problems"))
    }

    @Test func backticksInTheTextCannotCloseTheCodeSpan() {
        let inert = PreviewComment.inert("a ``` b ` c")
        #expect(inert == "````a ``` b ` c````")
        #expect(PreviewComment.inert("`x`") == "`` `x` ``")
        #expect(PreviewComment.inert("bell\u{07} and\u{202E}rtl\nnext") == "`bell andrtl next`")
    }
}
