import Foundation

/// RFC 3339 timestamps as GitHub and Kubernetes write them (`2026-11-22T08:00:00Z`), in UTC to the
/// second. Value-type format styles: no formatter per call. Kubernetes fields use
/// ``KubernetesTime`` and ``KubernetesMicroTime``, named after their API types.
public enum RFC3339 {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `date` in UTC, to the second.
    public static func string(_ date: Date) -> String { plain.format(date) }

    /// Parses a timestamp with or without fractional seconds; `nil` when it is not one.
    public static func date(_ text: String) -> Date? {
        (try? plain.parse(text)) ?? (try? fractional.parse(text)) ?? (try? KubernetesTime.parse(text))
    }
}
