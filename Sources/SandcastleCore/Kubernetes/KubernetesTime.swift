import Foundation

/// `metav1.Time`: an RFC 3339 timestamp to the second (`2026-11-30T19:55:43Z`). Conditions'
/// `lastTransitionTime`, `creationTimestamp`, Job `startTime` and most other timestamps are of this
/// type. The API server accepts fractional seconds on input and drops them.
public enum KubernetesTime {
    /// Go's `time.RFC3339`, the layout the API server parses `Time` with.
    public static let layout = "2006-01-02T15:04:05Z07:00"

    /// `date` in UTC, to the second, as the API server writes a `Time`.
    public static func string(_ date: Date) -> String { RFC3339.string(date) }

    /// Parses `text` as the API server does (`time.Parse(time.RFC3339, …)`); the error carries Go's
    /// message, e.g. `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`.
    public static func parse(_ text: String) throws(GoTimeParseError) -> Date {
        try GoTimeLayoutParser(text: text, layout: layout, fractionDigits: nil).parse()
    }
}

/// `metav1.MicroTime`: an RFC 3339 timestamp with exactly six fractional digits
/// (`2026-11-30T19:55:43.123456Z`). Lease `acquireTime`/`renewTime` and Event `eventTime` are of
/// this type; the API server refuses any other number of digits with `400 BadRequest`.
public enum KubernetesMicroTime {
    /// Go's `metav1.RFC3339Micro`, the layout the API server parses `MicroTime` with.
    public static let layout = "2006-01-02T15:04:05.000000Z07:00"

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: false)

    /// `date` in UTC with exactly six fractional digits, as the API server requires.
    public static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded(.down))
        micros = min(max(micros, 0), 999_999)
        let whole = style.format(Date(timeIntervalSince1970: seconds))  // …T19:55:43Z
        let digits = String(micros)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }

    /// Parses `text` as the API server does (`time.Parse(metav1.RFC3339Micro, …)`): exactly six
    /// fractional digits; the error carries Go's message.
    public static func parse(_ text: String) throws(GoTimeParseError) -> Date {
        try GoTimeLayoutParser(text: text, layout: layout, fractionDigits: 6).parse()
    }
}

/// Go's `time.ParseError`, with the same text, so a fake API server answers what a real one does.
public struct GoTimeParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Go's `time.Parse` for the two RFC 3339 layouts the API server uses, element by element, so that
/// a failure names the same element and remaining text as Go's error does.
struct GoTimeLayoutParser {
    var text: String
    var layout: String
    /// `nil`: optional fractional seconds of any length (`RFC3339`); `n`: exactly `n` digits.
    var fractionDigits: Int?

    private func fail(_ value: Substring, as element: String) -> GoTimeParseError {
        GoTimeParseError(
            description:
                "parsing time \(GoQuote.quote(text)) as \(GoQuote.quote(layout)): cannot parse \(GoQuote.quote(String(value))) as \(GoQuote.quote(element))"
        )
    }

    private func fail(message: String) -> GoTimeParseError {
        GoTimeParseError(description: "parsing time \(GoQuote.quote(text))\(message)")
    }

    func parse() throws(GoTimeParseError) -> Date {
        var value = Substring(text)
        func number(_ digits: Int, element: String) throws(GoTimeParseError) -> Int {
            let prefix = value.prefix(digits)
            guard prefix.count == digits, prefix.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(prefix) else {
                throw fail(value, as: element)
            }
            value = value.dropFirst(digits)
            return number
        }
        func literal(_ expected: String) throws(GoTimeParseError) {
            guard value.hasPrefix(expected) else { throw fail(value, as: expected) }
            value = value.dropFirst(expected.count)
        }
        let year = try number(4, element: "2006")
        try literal("-")
        let month = try number(2, element: "01")
        guard (1...12).contains(month) else { throw fail(message: ": month out of range") }
        try literal("-")
        let day = try number(2, element: "02")
        try literal("T")
        let hour = try number(2, element: "15")
        guard hour < 24 else { throw fail(message: ": hour out of range") }
        try literal(":")
        let minute = try number(2, element: "04")
        guard minute < 60 else { throw fail(message: ": minute out of range") }
        try literal(":")
        let second = try number(2, element: "05")
        guard second < 60 else { throw fail(message: ": second out of range") }
        var nanos = 0
        if let fractionDigits {
            let element = "." + String(repeating: "0", count: fractionDigits)
            let part = value.prefix(fractionDigits + 1)
            guard part.count == fractionDigits + 1, part.first == "." || part.first == ",",
                part.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber })
            else { throw fail(value, as: element) }
            nanos = Int(part.dropFirst())! * Self.scale(fractionDigits)
            value = value.dropFirst(fractionDigits + 1)
        } else if let first = value.first, first == "." || first == ",", value.dropFirst().first?.isNumber == true {
            let digits = value.dropFirst().prefix { $0.isASCII && $0.isNumber }
            let kept = digits.prefix(9)
            nanos = Int(kept)! * Self.scale(kept.count)
            value = value.dropFirst(1 + digits.count)
        }
        var offset = 0
        if value.first == "Z" {
            value = value.dropFirst()
        } else {
            let zone = Array(value.prefix(6))
            guard zone.count == 6, zone[0] == "+" || zone[0] == "-", zone[3] == ":",
                let hours = Int(String(zone[1...2])), let minutes = Int(String(zone[4...5])),
                zone[1...2].allSatisfy({ $0.isNumber }), zone[4...5].allSatisfy({ $0.isNumber })
            else { throw fail(value, as: "Z07:00") }
            guard hours < 24, minutes < 60 else { throw fail(message: ": time zone offset out of range") }
            offset = (hours * 3600 + minutes * 60) * (zone[0] == "-" ? -1 : 1)
            value = value.dropFirst(6)
        }
        if !value.isEmpty { throw fail(message: ": extra text: \(GoQuote.quote(String(value)))") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: 1)
        guard let first = calendar.date(from: components), let days = calendar.range(of: .day, in: .month, for: first), days.contains(day)
        else { throw fail(message: ": day out of range") }
        let seconds = first.timeIntervalSince1970 + Double(day - 1) * 86_400 + Double(hour * 3600 + minute * 60 + second) - Double(offset)
        return Date(timeIntervalSince1970: seconds + Double(nanos) / 1_000_000_000)
    }

    private static func scale(_ digits: Int) -> Int {
        var result = 1
        for _ in digits..<9 { result *= 10 }
        return result
    }
}

/// Go's `%q` quoting, for messages worded as the API server (a Go program) words them.
public enum GoQuote {
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
