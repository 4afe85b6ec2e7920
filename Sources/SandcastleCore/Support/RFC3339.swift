import Foundation

/// RFC 3339 timestamps as Kubernetes and GitHub write them (`2026-11-22T08:00:00Z`), with
/// `MicroTime`'s fractional seconds when asked. Value-type format styles: no formatter per call.
public enum RFC3339 {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `date` in UTC, to the second (or the millisecond with `fractionalSeconds`).
    public static func string(_ date: Date, fractionalSeconds: Bool = false) -> String {
        fractionalSeconds ? fractional.format(date) : plain.format(date)
    }

    /// Parses a timestamp with or without fractional seconds; `nil` when it is not one.
    public static func date(_ text: String) -> Date? {
        (try? plain.parse(text)) ?? (try? fractional.parse(text))
    }
}
