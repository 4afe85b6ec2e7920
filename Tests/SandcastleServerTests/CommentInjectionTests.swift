import Foundation
import Ink
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Text from a PR's files (object names, kinds, file names in render errors) cannot rewrite the
/// bot's comment: links, images, mentions, table breaks, HTML and control characters render inert.
@Suite struct CommentInjectionTests {
    static let hostile = [
        "[click me](https://evil.example/phish)", "![tracker](https://evil.example/pixel.png)", "@acme/security-team please approve",
        "a | b | c", "<img src=x onerror=alert(1)>", "**bold** _em_ ~~strike~~", "line\nbreak\u{1b}[31mred\u{07}", "`code` and ``more``",
        "#1 fixes everything", "<!-- sandcastle:preview -->",
    ]

    @Test(arguments: hostile)
    func aHostileNameRendersAsPlainText(name: String) {
        var comment = PreviewComment(
            key: Make.key(7), url: nil, sha: Make.sha, stages: [.init(context: .deploy, state: .failure, description: "the bundle: \(name)")])
        comment.problems = ["app.yaml: Ingress/\(name): spec.rules[0].host: not allowed"]
        let markdown = comment.markdown
        // The comment is found again by its first line (and its author), so a marker in a name changes nothing.
        #expect(markdown.hasPrefix(PreviewComment.marker + "\n"))
        #expect(!markdown.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" }, "no control characters")
        let html = MarkdownParser().html(from: markdown)
        #expect(!html.contains("<a "), "no link: \(html)")
        #expect(!html.contains("<img"), "no image: \(html)")
        #expect(!html.contains("<strong>bold"), "no emphasis: \(html)")
        let rows = html.components(separatedBy: "<tr>").count - 1
        #expect(rows == 2, "the table keeps its header and one row: \(html)")
        #expect(html.contains("<code>"), "shown as code: \(html)")
    }
}
