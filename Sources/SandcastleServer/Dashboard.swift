import Foundation
import SandcastleController
import SandcastleCore

/// The dashboard: one server-rendered HTML page listing every preview (phase and current reason,
/// the head commit's stages as a timeline, links, expiry and pin, last events) under a summary
/// (previews by phase, time to Ready over the last day, GitHub requests left). It refreshes
/// itself; no scripts; every value is HTML-escaped. `GET /api/previews` serves the same records.
public enum Dashboard {
    /// What the page shows besides the records.
    public struct Context: Sendable {
        public var now: Date
        /// The last mass-deletion breaker trip, shown until a pass completes without one.
        public var breaker: String?
        /// Why this replica does not lead; `nil` while it leads.
        public var notLeading: String?
        /// Median and 95th percentile time to Ready over the last day.
        public var timeToReady: (p50: Double, p95: Double, count: Int)?
        /// The lowest remaining GitHub rate limit.
        public var githubRemaining: Int?
        public var refreshSeconds: Int

        public init(
            now: Date, breaker: String? = nil, notLeading: String? = nil, timeToReady: (p50: Double, p95: Double, count: Int)? = nil,
            githubRemaining: Int? = nil, refreshSeconds: Int = 10
        ) {
            self.now = now
            self.breaker = breaker
            self.notLeading = notLeading
            self.timeToReady = timeToReady
            self.githubRemaining = githubRemaining
            self.refreshSeconds = refreshSeconds
        }
    }

    /// The page for `records` at `now`.
    public static func html(_ records: [PreviewRecord], now: Date, breaker: String?, notLeading: String? = nil, refreshSeconds: Int = 10)
        -> String
    {
        html(records, context: Context(now: now, breaker: breaker, notLeading: notLeading, refreshSeconds: refreshSeconds))
    }

    /// The page for `records` in `context`.
    public static func html(_ records: [PreviewRecord], context: Context) -> String {
        let now = context.now
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(context.refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sandcastle previews</title>
            <style>\(style)</style></head><body>
            <h1>Sandcastle previews</h1>
            <p id="summary">\(records.count) preview(s) · updated \(escape(RFC3339.string(now))) · refreshes every \(context.refreshSeconds) s · <a href="/api/previews">JSON</a> · <a href="/metrics">metrics</a></p>

            """
        if let notLeading = context.notLeading {
            out += "<div class=\"banner\" id=\"leadership\">This replica is not leading: \(escape(notLeading))</div>\n"
        }
        if let breaker = context.breaker {
            out += "<div class=\"banner\" id=\"breaker\">Mass-deletion breaker: \(escape(breaker))</div>\n"
        }
        out += totals(records, context: context)
        out += """
            <table id="previews">
            <thead><tr><th>Preview</th><th>Phase</th><th>Timeline</th><th>Links</th><th>Expiry</th><th>Last events</th></tr></thead>
            <tbody>

            """
        if records.isEmpty { out += "<tr id=\"empty\"><td colspan=\"6\">No previews.</td></tr>\n" }
        for record in records { out += row(record, now: now) }
        out += "</tbody></table>\n</body></html>\n"
        return out
    }

    private static let style = """
        body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}a{color:#0969da}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #d0d7de}
        th{background:#f6f8fa}.phase{font-weight:600}.Ready{color:#1a7f37}.Failed{color:#cf222e}.Queued{color:#9a6700}.Deploying{color:#0969da}
        .reason{color:#59636e;font-size:.9em;max-width:22rem}.banner{background:#ffebe9;border:1px solid #cf222e;padding:.6rem;margin-bottom:1rem}
        #totals{display:flex;gap:1.5rem;flex-wrap:wrap;margin:0 0 1rem;padding:.6rem;background:#f6f8fa;border-radius:6px}
        ol.timeline{display:flex;gap:.25rem;list-style:none;margin:0;padding:0;flex-wrap:wrap}
        .stage{border-radius:4px;padding:.1rem .4rem;font-size:.85em;background:#eaeef2;color:#59636e}
        .stage.done{background:#dafbe1;color:#1a7f37}.stage.running{background:#ddf4ff;color:#0969da}.stage.failed{background:#ffebe9;color:#cf222e}
        ul.events{margin:0;padding-left:1rem;font-size:.85em}code{font-size:.9em}time{color:#59636e}
        """

    private static func totals(_ records: [PreviewRecord], context: Context) -> String {
        var counts: [PreviewPhase: Int] = [:]
        for record in records { counts[record.phase, default: 0] += 1 }
        let phases = PreviewPhase.allCases.filter { counts[$0] != nil }.map {
            "<span class=\"count \($0.rawValue)\" data-phase=\"\($0.rawValue)\">\(counts[$0]!) \($0.rawValue)</span>"
        }
        var parts = ["<span id=\"by-phase\">\(phases.isEmpty ? "no previews" : phases.joined(separator: " · "))</span>"]
        if let ready = context.timeToReady {
            parts.append(
                "<span id=\"time-to-ready\">time to Ready (24 h): p50 \(seconds(ready.p50)) · p95 \(seconds(ready.p95)) (\(ready.count) preview(s))</span>"
            )
        } else {
            parts.append("<span id=\"time-to-ready\">time to Ready (24 h): no preview became Ready yet</span>")
        }
        if let remaining = context.githubRemaining {
            parts.append("<span id=\"github-budget\">GitHub: \(remaining) requests left this hour</span>")
        }
        return "<div id=\"totals\">" + parts.joined() + "</div>\n"
    }

    private static func row(_ record: PreviewRecord, now: Date) -> String {
        var out =
            "<tr class=\"preview\" data-repository=\"\(escape(record.repository))\" data-pr=\"\(record.number)\" data-phase=\"\(record.phase.rawValue)\">"
        let age = record.createdAt.map { " · " + duration(now.timeIntervalSince($0)) + " old" } ?? ""
        out += "<td>\(escape(record.repository)) <a class=\"pr\" href=\"\(escape(record.pullRequestURL))\">#\(record.number)</a>"
        out += "<br><code>\(escape(String((record.sha ?? "").prefix(7))))</code>\(age)</td>"
        let queue = record.queuePosition.map { " (position \($0))" } ?? ""
        out += "<td><span class=\"phase \(record.phase.rawValue)\">\(record.phase.rawValue)\(queue)</span>"
        out += "<div class=\"reason\">\(escape(record.message))</div></td>"
        out += "<td><ol class=\"timeline\">"
        for name in StageTiming.Name.allCases {
            if let stage = record.stages.first(where: { $0.name == name }) {
                let title = "from \(RFC3339.string(stage.startedAt))" + (stage.finishedAt.map { " to \(RFC3339.string($0))" } ?? ", running")
                out += "<li class=\"stage \(stage.state.rawValue)\" data-stage=\"\(name.rawValue)\" title=\"\(escape(title))\">"
                out += "\(name.rawValue) <span class=\"duration\">\(seconds(stage.seconds(now: now)))</span></li>"
            } else {
                out += "<li class=\"stage none\" data-stage=\"\(name.rawValue)\">\(name.rawValue) <span class=\"duration\">–</span></li>"
            }
        }
        out += "</ol></td><td>"
        var links: [String] = []
        if let url = record.url { links.append("<a class=\"url\" href=\"\(escape(url))\">\(escape(url))</a>") }
        links.append("<a class=\"pr\" href=\"\(escape(record.pullRequestURL))\">pull request</a>")
        if let commit = record.commitURL { links.append("<a class=\"commit\" href=\"\(escape(commit))\">commit</a>") }
        links.append("<a class=\"checks\" href=\"\(escape(record.checksURL))\">checks</a>")
        out += links.joined(separator: "<br>") + "</td><td>"
        if let expires = record.expiresAt { out += "expires <time>\(escape(RFC3339.string(expires)))</time>" }
        if let pinned = record.pinnedUntil { out += "<br>pinned until <time>\(escape(RFC3339.string(pinned)))</time>" }
        out += "</td><td><ul class=\"events\">"
        for event in record.events.reversed() {
            out +=
                "<li><time datetime=\"\(escape(RFC3339.string(event.at)))\">\(duration(now.timeIntervalSince(event.at))) ago</time> \(escape(event.text))</li>"
        }
        out += "</ul></td></tr>\n"
        return out
    }

    /// `GET /api/previews`: the records as a JSON array (dates in RFC 3339).
    public static func json(_ records: [PreviewRecord]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(date))
        }
        return (try? encoder.encode(records)) ?? Data("[]".utf8)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A stage's length: `0.4 s`, `12 s`, `3m 20s`.
    static func seconds(_ value: TimeInterval) -> String {
        if value < 10 { return String(format: "%.1f s", value) }
        if value < 120 { return "\(Int(value)) s" }
        return "\(Int(value) / 60)m \(Int(value) % 60)s"
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
