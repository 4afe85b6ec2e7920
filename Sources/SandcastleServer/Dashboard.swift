import Foundation
import SandcastleController
import SandcastleCore

/// The dashboard: one server-rendered HTML page listing every preview, refreshing itself, and
/// the same data as JSON for `GET /api/previews`. No scripts; every value is HTML-escaped.
public enum Dashboard {
    /// The page for `records` at `now`.
    /// `notLeading`: why this replica does not lead (shown in the header), `nil` while it leads.
    public static func html(_ records: [PreviewRecord], now: Date, breaker: String?, notLeading: String? = nil, refreshSeconds: Int = 10) -> String {
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sandcastle previews</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}
            table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de}
            th{background:#f6f8fa}.phase{font-weight:600}.Ready{color:#1a7f37}.Failed{color:#cf222e}.Queued{color:#9a6700}
            .breaker{background:#ffebe9;border:1px solid #cf222e;padding:.6rem;margin-bottom:1rem}code{font-size:.9em}
            </style></head><body>
            <h1>Sandcastle previews</h1>
            <p id="summary">\(records.count) preview(s) · updated \(escape(RFC3339.string(now))) · refreshes every \(refreshSeconds) s · <a href="/api/previews">JSON</a> · <a href="/metrics">metrics</a></p>

            """
        if let notLeading {
            out += "<div class=\"breaker\" id=\"leadership\">This replica is not leading: \(escape(notLeading))</div>\n"
        }
        if let breaker { out += "<div class=\"breaker\" id=\"breaker\">Mass-deletion breaker: \(escape(breaker))</div>\n" }
        out += """
            <table id="previews">
            <thead><tr><th>Repository</th><th>PR</th><th>Phase</th><th>URL</th><th>SHA</th><th>Age</th><th>Expires</th><th>Queue</th><th>Detail</th></tr></thead>
            <tbody>

            """
        if records.isEmpty { out += "<tr id=\"empty\"><td colspan=\"9\">No previews.</td></tr>\n" }
        for record in records {
            let url = record.url.map { "<a href=\"\(escape($0))\">\(escape($0))</a>" } ?? ""
            let age = record.createdAt.map { duration(now.timeIntervalSince($0)) } ?? ""
            let expires = record.expiresAt.map { escape(RFC3339.string($0)) } ?? ""
            out += "<tr class=\"preview\" data-repository=\"\(escape(record.repository))\" data-pr=\"\(record.number)\">"
            out += "<td>\(escape(record.repository))</td>"
            out += "<td><a href=\"\(escape(record.pullRequestURL))\">#\(record.number)</a></td>"
            out += "<td class=\"phase \(record.phase.rawValue)\">\(record.phase.rawValue)</td>"
            out += "<td>\(url)</td><td><code>\(escape(String((record.sha ?? "").prefix(7))))</code></td>"
            out += "<td>\(age)</td><td>\(expires)</td><td>\(record.queuePosition.map(String.init) ?? "")</td>"
            out += "<td>\(escape(record.message))</td></tr>\n"
        }
        out += "</tbody></table>\n</body></html>\n"
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

    static func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
