import Foundation
import Ink
import SandcastleCore
import SandcastleTestSupport
import Testing

/// The sticky comment as a reviewer sees it: its Markdown rendered to HTML (Ink, GitHub-like
/// styles) and loaded in headless Chromium, which takes the screenshot the docs show
/// (`docs/images/pr-comment.png`, rewritten with SANDCASTLE_UPDATE_SCREENSHOTS=1).
@Suite struct CommentScreenshotTests {
    @Test func theStickyCommentRendersAsAReviewerSeesIt() async throws {
        let chromium = try #require(
            ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Subprocess.locate($0) }.first,
            "Chromium is required: run scripts/test.sh (installs it), or apt-get install chromium")
        var comment = PreviewComment(
            key: PreviewKey(repository: RepositoryName(owner: "acme", name: "blog"), number: 42), url: "https://blog-pr-42.preview.example.com",
            sha: "79c5fb6a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f50",
            stages: [
                .init(context: .deploy, state: .success, description: "Ready at https://blog-pr-42.preview.example.com"),
                .init(context: .seed, state: .success, description: "Job sandcastle-seed completed"),
                .init(context: .verify, state: .pending, description: "Job sandcastle-verify is running"),
            ], expiresAt: Date(timeIntervalSince1970: 1_800_259_200))
        comment.notice = "This preview expires in 24 hours unless there is new activity; add the preserve label to keep it."
        // GitHub renders a comment's single line breaks as breaks: give those lines their own paragraphs.
        let markdown = comment.markdown.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("**") ? $0 + "\n" : $0 }.joined(separator: "\n")
        let body = MarkdownParser().html(from: markdown)
        #expect(body.contains("<table>") && body.contains("sandcastle/verify"))
        #expect(body.hasPrefix("<!-- sandcastle:preview -->"), "the marker stays an HTML comment, hidden from readers")
        let page = """
            <!doctype html><html><head><meta charset="utf-8"><style>
            body{font-family:-apple-system,"Segoe UI",system-ui,sans-serif;background:#fff;margin:24px;color:#1f2328;font-size:14px}
            .comment{border:1px solid #d0d7de;border-radius:6px;max-width:780px}
            .head{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:8px 16px;color:#59636e}.head b{color:#1f2328}
            .body{padding:4px 16px 16px}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:6px 13px}
            th{background:#f6f8fa}code{background:#eff1f3;border-radius:6px;padding:.2em .4em;font-size:85%}
            blockquote{margin:0;padding:0 1em;color:#59636e;border-left:.25em solid #d0d7de}
            </style></head><body><div class="comment"><div class="head"><b>sandcastle</b> bot commented</div>
            <div class="body">\(body)</div></div></body></html>
            """
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["comment.html": page])
        let screenshot = Screenshots.path("pr-comment.png", scratch: dir.path)
        let shot = try await Subprocess.runDetached(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(dir.path)/profile",
                "--hide-scrollbars", "--window-size=840,420", "--screenshot=\(screenshot)", "file://\(dir.path)/comment.html",
            ])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.count > 5_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
    }
}
