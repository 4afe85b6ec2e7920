import Foundation

/// What one credential knows about its GitHub rate limits: the budget from the last response and
/// the time before which no request may be sent. Pure: fed responses and the current time.
public struct RateLimitState: Sendable, Equatable {
    public var limit: Int?
    public var remaining: Int?
    public var resetAt: Date?
    /// No request may be sent before this time.
    public var blockedUntil: Date?
    /// Secondary limits hit in a row, for exponential backoff when GitHub gives no `retry-after`.
    public var secondaryStrikes = 0

    /// The wait after a secondary limit without `retry-after`: at least a minute, doubling per strike.
    public static let secondaryBaseWait: TimeInterval = 60
    public static let secondaryMaxWait: TimeInterval = 16 * 60

    public init() {}

    /// The verdict on one response.
    public enum Verdict: Sendable, Equatable {
        case proceed
        case limited(RateLimitKind, until: Date)
    }

    /// Records a response's rate-limit headers (names lowercased) and says whether it was a rate limit.
    public mutating func observe(status: Int, headers: [String: String], body: Data, now: Date) -> Verdict {
        if let value = headers["x-ratelimit-limit"].flatMap(Int.init) { limit = value }
        if let value = headers["x-ratelimit-remaining"].flatMap(Int.init) { remaining = value }
        if let value = headers["x-ratelimit-reset"].flatMap(TimeInterval.init) { resetAt = Date(timeIntervalSince1970: value) }

        guard status == 403 || status == 429 else {
            if (200..<400).contains(status) { secondaryStrikes = 0 }
            return .proceed
        }
        if headers["x-ratelimit-remaining"] == "0" {
            // Primary: wait for the reset (one second of slack for clock skew).
            let until = max((resetAt ?? now.addingTimeInterval(Self.secondaryBaseWait)).addingTimeInterval(1), now)
            blockedUntil = until
            return .limited(.primary, until: until)
        }
        if let retryAfter = headers["retry-after"].flatMap(TimeInterval.init) {
            secondaryStrikes += 1
            let until = now.addingTimeInterval(max(retryAfter, 0))
            blockedUntil = until
            return .limited(.secondary, until: until)
        }
        let message = String(decoding: body.prefix(2048), as: UTF8.self).lowercased()
        if status == 429 || message.contains("secondary rate limit") || message.contains("abuse") {
            let wait = min(Self.secondaryBaseWait * pow(2, Double(secondaryStrikes)), Self.secondaryMaxWait)
            secondaryStrikes += 1
            let until = now.addingTimeInterval(wait)
            blockedUntil = until
            return .limited(.secondary, until: until)
        }
        return .proceed  // an ordinary 403: a missing permission
    }

    /// The time to wait before the next request, or `nil` when one may go now.
    public func wait(now: Date) -> Date? {
        guard let blockedUntil, blockedUntil > now else { return nil }
        return blockedUntil
    }
}

/// A credential's remaining primary budget, as exposed for metrics.
public struct RateLimitBudget: Sendable, Equatable {
    /// Which credential: `token`, `app`, or `installation/<id>`.
    public var credential: String
    public var limit: Int?
    public var remaining: Int?
    public var resetAt: Date?
}
