import Foundation

/// A fault the fake GitHub injects into matching requests.
public struct FakeGitHubFault: Sendable {
    public enum Kind: Sendable {
        /// An error status with GitHub's JSON error body.
        case status(Int, message: String)
        /// `200 OK` with an HTML page, as a proxy or outage page would.
        case htmlOK
        /// `200 OK` with the real JSON cut in half.
        case truncatedJSON
        /// The real answer, after waiting this long (real time).
        case delay(seconds: Double)
        /// The primary limit: `403`, `x-ratelimit-remaining: 0`, reset this far ahead (fake clock).
        case primaryRateLimit(resetIn: TimeInterval)
        /// A secondary limit: `403` with GitHub's message and `retry-after` when given.
        case secondaryRateLimit(retryAfter: Int?)
    }

    public var kind: Kind
    /// `GET`, `POST`, …; `nil` matches any method.
    public var method: String?
    /// The request path must contain this.
    public var pathContains: String
    /// Only this page of a listing (`page` query parameter, 1 when absent).
    public var page: Int?
    /// How many matching requests it affects.
    public var times: Int

    public init(_ kind: Kind, method: String? = nil, pathContains: String = "/", page: Int? = nil, times: Int = 1) {
        self.kind = kind
        self.method = method
        self.pathContains = pathContains
        self.page = page
        self.times = times
    }
}
