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
    static let shop = RepositoryName(owner: "acme", name: "shop")
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    /// A book with a preview in every phase, with the stages and events a controller records, and
    /// a hostile message from a PR.
    static func book() -> PreviewBook {
        let book = PreviewBook()
        func at(_ seconds: Double) -> Date { now.addingTimeInterval(seconds) }
        book.update(PreviewKey(repository: shop, number: 42), now: now) {
            $0.phase = .ready
            $0.url = "https://shop-pr-42.preview.test"
            $0.startHead(sha, at: at(-60))
            $0.finish(.queued, at: at(-58), since: at(-60))
            $0.finish(.apply, at: at(-56.8), since: at(-58))
            $0.finish(.seed, at: at(-40), since: at(-55))
            $0.finish(.ready, at: at(-40), since: at(-60))
            $0.createdAt = now.addingTimeInterval(-5400)
            $0.expiresAt = now.addingTimeInterval(72 * 3600)
            $0.pinnedUntil = now.addingTimeInterval(7 * 86_400)
            $0.message = "deployed 13 objects"
            $0.note("applying 13 objects at 0123456", at: at(-58))
            $0.note("applied 13 objects", at: at(-56.8))
            $0.note("ready at https://shop-pr-42.preview.test", at: at(-40))
        }
        book.update(PreviewKey(repository: shop, number: 43), now: now) {
            $0.phase = .failed
            $0.startHead("1111111111111111111111111111111111111111", at: at(-30))
            $0.finish(.apply, at: at(-29), since: at(-30), failed: true)
            $0.message = "the bundle cannot be rendered: <script>alert('pwned')</script>"
            $0.note("failed: the bundle cannot be rendered: <script>alert('pwned')</script>", at: at(-29))
        }
        book.update(PreviewKey(repository: shop, number: 44), now: now) {
            $0.phase = .queued
            $0.startHead("2222222222222222222222222222222222222222", at: at(-120))
            $0.begin(.queued, at: at(-120))
            $0.queuePosition = 1
            $0.message = "waiting for a free slot (3 per repository)"
            $0.note("queued at position 1 of 2", at: at(-120))
        }
        book.update(PreviewKey(repository: shop, number: 45), now: now) {
            $0.phase = .deploying
            $0.startHead("3333333333333333333333333333333333333333", at: at(-5))
            $0.begin(.apply, at: at(-5))
            $0.message = "applying 9 objects"
        }
        book.update(PreviewKey(repository: shop, number: 46), now: now) {
            $0.phase = .terminating
            $0.message = "tearing down: the pull request was closed"
            $0.note("tearing down: the pull request was closed", at: at(-2))
        }
        book.update(PreviewKey(repository: shop, number: 47), now: now) {
            $0.phase = .pending
            $0.sha = "4444444444444444444444444444444444444444"
            $0.message = "live in the sink; not reconciled by this replica yet"
        }
        book.update(PreviewKey(repository: shop, number: 48), now: now) {
            $0.phase = .waitingForImage
            $0.sha = "5555555555555555555555555555555555555555"
            $0.message = "waiting for ghcr.io/acme/shop:pr-48-5555555"
        }
        book.recordTimeToReady(seconds: 20, at: at(-40))
        book.recordTimeToReady(seconds: 64, at: at(-4000))
        book.recordTimeToReady(seconds: 999, at: at(-90_000))  // older than a day: not counted
        return book
    }

    /// The row of PR `number` in `html`.
    static func row(_ html: String, _ number: Int) -> String {
        guard let start = html.range(of: "data-pr=\"\(number)\"") else { return "" }
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex)])
    }

    static func page() -> String {
        let book = book()
        return Dashboard.html(
            book.records, context: .init(now: now, timeToReady: book.timeToReady(now: now), githubRemaining: 4812, refreshSeconds: 7))
    }

    @Test func everyPhaseShowsItsReasonTimelineAndLinks() {
        let html = Self.page()
        #expect(html.contains(#"<meta http-equiv="refresh" content="7">"#))
        let ready = Self.row(html, 42)
        #expect(ready.contains(#"data-phase="Ready""#))
        #expect(ready.contains(#"<span class="phase Ready">Ready</span><div class="reason">deployed 13 objects</div>"#))
        #expect(ready.contains(#"<li class="stage done" data-stage="queued""#) && ready.contains("queued <span class=\"duration\">2.0 s</span>"))
        #expect(ready.contains("apply <span class=\"duration\">1.2 s</span>"))
        #expect(ready.contains(#"<li class="stage none" data-stage="rollout">rollout <span class="duration">–</span></li>"#))
        #expect(ready.contains("ready <span class=\"duration\">20 s</span>"))
        #expect(ready.contains(#"<a class="url" href="https://shop-pr-42.preview.test">"#))
        #expect(ready.contains(#"<a class="pr" href="https://github.com/acme/shop/pull/42">#42</a>"#))
        #expect(ready.contains(#"<a class="commit" href="https://github.com/acme/shop/commit/\#(Self.sha)">commit</a>"#))
        #expect(ready.contains(#"<a class="checks" href="https://github.com/acme/shop/pull/42/checks">checks</a>"#))
        #expect(ready.contains("<code>0123456</code> · 90m old"))
        #expect(ready.contains("pinned until <time>"))
        #expect(ready.contains("40s ago</time> ready at https://shop-pr-42.preview.test</li><li>"), "newest event first")

        let failed = Self.row(html, 43)
        #expect(failed.contains(#"<li class="stage failed" data-stage="apply""#))
        #expect(failed.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"))
        #expect(!html.contains("<script>"), "text from a PR must not become markup")
        let queued = Self.row(html, 44)
        #expect(
            queued.contains(
                #"<span class="phase Queued">Queued (position 1)</span><div class="reason">waiting for a free slot (3 per repository)</div>"#))
        #expect(queued.contains(#"<li class="stage running" data-stage="queued""#) && queued.contains("queued <span class=\"duration\">2m 0s</span>"))
        #expect(Self.row(html, 45).contains(#"<li class="stage running" data-stage="apply""#))
        #expect(Self.row(html, 46).contains("tearing down: the pull request was closed"))
        #expect(Self.row(html, 47).contains(#"<span class="phase Pending">Pending</span>"#))

        #expect(html.contains(#"<span class="count Ready" data-phase="Ready">1 Ready</span>"#))
        #expect(html.contains("time to Ready (24 h): p50 20 s · p95 64 s (2 preview(s))"))
        #expect(html.contains("GitHub: 4812 requests left this hour"))
    }

    @Test func theJSONCarriesTheSameRows() throws {
        let data = Dashboard.json(Self.book().records)
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(rows.count == 7)
        #expect(rows[0]["number"] as? Int == 42)
        #expect(rows[0]["phase"] as? String == "Ready")
        #expect(rows[0]["url"] as? String == "https://shop-pr-42.preview.test")
        #expect(rows[0]["expiresAt"] as? String == RFC3339.string(Self.now.addingTimeInterval(72 * 3600)))
        #expect((rows[0]["stages"] as? [[String: Any]])?.map { $0["name"] as? String } == ["queued", "apply", "seed", "ready"])
        #expect((rows[0]["events"] as? [[String: Any]])?.count == 3)
        #expect(rows[2]["queuePosition"] as? Int == 1)
    }

    @Test func anEmptyBookSaysSoAndTheBannersAreShown() {
        let html = Dashboard.html([], now: Self.now, breaker: "7 of 9 live previews would be deleted", notLeading: "the lease is held by b")
        #expect(html.contains(#"<tr id="empty">"#))
        #expect(html.contains(#"<div class="banner" id="breaker">Mass-deletion breaker: 7 of 9 live previews would be deleted</div>"#))
        #expect(html.contains(#"<div class="banner" id="leadership">This replica is not leading: the lease is held by b</div>"#))
        #expect(html.contains("time to Ready (24 h): no preview became Ready yet"))
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

    /// Loads the dashboard in a real headless Chromium, reads the rendered DOM (a row per phase,
    /// with its timeline, reason and links), and takes the screenshot the docs show
    /// (`docs/images/dashboard.png`, rewritten with SANDCASTLE_UPDATE_SCREENSHOTS=1).
    @Test func aRealBrowserRendersEveryPhase() async throws {
        let chromium = try #require(
            ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Subprocess.locate($0) }.first,
            "Chromium is required: run scripts/test.sh (installs it), or apt-get install chromium")
        let server = try await LoopbackHTTPServer.start(router: Self.router())
        defer { Task { await server.stop() } }
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(profile.path)",
        ]
        let result = try await Subprocess.runDetached(chromium, flags + ["--dump-dom", server.baseURL + "/"])
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        let dom = result.stdout
        #expect(dom.contains("<title>Sandcastle previews</title>"))
        for phase in PreviewPhase.allCases {
            #expect(dom.contains("data-phase=\"\(phase.rawValue)\">"), "a row in phase \(phase.rawValue)")
        }
        let rows = dom.components(separatedBy: #"<tr class="preview""#).count - 1
        #expect(rows == 7, "the browser saw \(rows) preview rows")
        let ready = Self.row(dom, 42)
        #expect(ready.contains(#"<a class="url" href="https://shop-pr-42.preview.test">https://shop-pr-42.preview.test</a>"#))
        #expect(ready.contains(#"data-stage="apply""#) && ready.contains(#"class="stage done""#))
        #expect(Self.row(dom, 44).contains("waiting for a free slot"))
        #expect(!dom.contains("<script>"), "text from a PR must not become markup")

        let screenshot = Screenshots.path("dashboard.png", scratch: profile.path)
        let shot = try await Subprocess.runDetached(
            chromium, flags + ["--hide-scrollbars", "--window-size=1500,760", "--screenshot=\(screenshot)", server.baseURL + "/"])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
    }

    static func router() -> Router<BasicRequestContext> {
        let receiver = WebhookReceiver(secret: "s", enqueue: { _ in .enqueued })
        var views = SandcastleRoutes.Views(book: book(), metrics: { "# TYPE sandcastle_test gauge\nsandcastle_test 1\n" }, now: { now })
        views.githubRemaining = { 4812 }
        return SandcastleRoutes.router(receiver: receiver, views: views)
    }
}

/// Where screenshot tests write: `docs/images/` with SANDCASTLE_UPDATE_SCREENSHOTS=1 (then review
/// and commit), a scratch directory otherwise.
enum Screenshots {
    static func path(_ name: String, scratch: String) -> String {
        if ProcessInfo.processInfo.environment["SANDCASTLE_UPDATE_SCREENSHOTS"] == "1" {
            let directory = repositoryRoot(from: #filePath) + "/docs/images"
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory + "/" + name
        }
        return scratch + "/" + name
    }
}
