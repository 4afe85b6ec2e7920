import AsyncHTTPClient
import Foundation
import Hummingbird
import SandcastleController
import SandcastleCore
import SandcastleServer
import SandcastleTestSupport
import Testing

@Suite("Dashboard")
struct DashboardTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A book with a ready preview, a queued one, and a hostile message from a PR.
    static func book() -> PreviewBook {
        let book = PreviewBook()
        let shop = RepositoryName(owner: "acme", name: "shop")
        book.update(PreviewKey(repository: shop, number: 42), now: now) {
            $0.phase = .ready
            $0.url = "https://shop-pr-42.preview.test"
            $0.sha = "0123456789abcdef0123456789abcdef01234567"
            $0.createdAt = now.addingTimeInterval(-5400)
            $0.expiresAt = now.addingTimeInterval(72 * 3600)
            $0.message = "deployed 13 objects"
        }
        book.update(PreviewKey(repository: shop, number: 43), now: now) {
            $0.phase = .failed
            $0.message = "the bundle cannot be rendered: <script>alert('pwned')</script>"
        }
        book.update(PreviewKey(repository: shop, number: 44), now: now) {
            $0.phase = .queued
            $0.queuePosition = 1
            $0.message = "waiting for a free slot"
        }
        return book
    }

    @Test func thePageListsEveryPreviewAndEscapesWhatAPRWrote() {
        let html = Dashboard.html(Self.book().records, now: Self.now, breaker: nil, refreshSeconds: 7)
        #expect(html.contains(#"<meta http-equiv="refresh" content="7">"#))
        #expect(html.contains(#"<tr class="preview" data-repository="acme/shop" data-pr="42">"#))
        #expect(html.contains(#"<a href="https://github.com/acme/shop/pull/42">#42</a>"#))
        #expect(html.contains("<code>0123456</code>"))
        #expect(html.contains("<td>90m</td>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"))
        #expect(!html.contains("<script>"))
        #expect(html.contains(#"<td class="phase Queued">Queued</td>"#))
    }

    @Test func theJSONCarriesTheSameRows() throws {
        let data = Dashboard.json(Self.book().records)
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows[0]["number"] as? Int == 42)
        #expect(rows[0]["phase"] as? String == "Ready")
        #expect(rows[0]["url"] as? String == "https://shop-pr-42.preview.test")
        #expect(rows[0]["expiresAt"] as? String == RFC3339.string(Self.now.addingTimeInterval(72 * 3600)))
        #expect(rows[2]["queuePosition"] as? Int == 1)
    }

    @Test func anEmptyBookSaysSoAndTheBreakerIsShown() {
        let html = Dashboard.html([], now: Self.now, breaker: "7 of 9 live previews would be deleted")
        #expect(html.contains(#"<tr id="empty">"#))
        #expect(html.contains(#"<div class="breaker" id="breaker">Mass-deletion breaker: 7 of 9 live previews would be deleted</div>"#))
    }

    @Test func theRoutesServeThePageTheAPIAndMetrics() async throws {
        let server = try await LoopbackHTTPServer.start(router: Self.router())
        defer { Task { await server.stop() } }
        for (path, type, needle) in [
            ("/", "text/html; charset=utf-8", "data-pr=\"44\""), ("/api/previews", "application/json", "\"number\":43"),
            ("/metrics", "text/plain; version=0.0.4; charset=utf-8", "sandcastle_test 1"),
        ] {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + path), timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type") == type)
            #expect(body.contains(needle), "\(path)")
        }
    }

    /// Loads the dashboard in a real headless Chromium and reads the rendered DOM.
    @Test func aRealBrowserRendersThePreviewList() async throws {
        let chromium = try #require(
            ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Subprocess.locate($0) }.first,
            "Chromium is required: run scripts/test.sh (installs it), or apt-get install chromium")
        let server = try await LoopbackHTTPServer.start(router: Self.router())
        defer { Task { await server.stop() } }
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        let result = try await Subprocess.runDetached(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(profile.path)",
                "--dump-dom", server.baseURL + "/",
            ])
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let dom = result.stdout
        #expect(dom.contains("<title>Sandcastle previews</title>"))
        #expect(dom.contains(#"<table id="previews">"#))
        let rows = dom.components(separatedBy: #"<tr class="preview""#).count - 1
        #expect(rows == 3, "the browser saw \(rows) preview rows")
        #expect(dom.contains(#"<a href="https://shop-pr-42.preview.test">https://shop-pr-42.preview.test</a>"#))
        #expect(!dom.contains("<script>"), "text from a PR must not become markup")
    }

    static func router() -> Router<BasicRequestContext> {
        let receiver = WebhookReceiver(secret: "s", enqueue: { _ in .enqueued })
        let book = book()
        return SandcastleRoutes.router(
            receiver: receiver, views: .init(book: book, metrics: { "# TYPE sandcastle_test gauge\nsandcastle_test 1\n" }, now: { now }))
    }
}
