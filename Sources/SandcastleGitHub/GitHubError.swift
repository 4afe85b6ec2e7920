import Foundation
import SandcastleCore

/// A GitHub request that failed. Every case names the request (`METHOD /path`); none carries a token.
public enum GitHubError: Error, Sendable, CustomStringConvertible, Equatable {
    /// GitHub answered with an error status; `message` is from its error body.
    case status(request: String, code: Int, message: String)
    /// A rate limit is in force: no request is sent before `until`.
    case rateLimited(request: String, kind: RateLimitKind, until: Date)
    /// The body is not what the endpoint returns (HTML, truncated or malformed JSON).
    case malformedResponse(request: String, reason: String)
    /// No answer: connection refused, reset or timed out.
    case transport(request: String, reason: String)
    /// A listing was not read completely: one page failed, so the whole listing is an error.
    case incompleteListing(repository: String, page: Int, cause: String)
    /// The App's private key cannot sign (not PEM, not RSA, too small).
    case badPrivateKey(reason: String)
    /// The GitHub App has no installation on the repository.
    case appNotInstalled(repository: String)

    public var description: String {
        switch self {
        case .status(let request, let code, let message): "\(request): HTTP \(code): \(message)"
        case .rateLimited(let request, let kind, let until):
            "\(request): \(kind.rawValue) rate limit; no request before \(until.formatted(.iso8601))"
        case .malformedResponse(let request, let reason): "\(request): unexpected response: \(reason)"
        case .transport(let request, let reason): "\(request): no response: \(reason)"
        case .incompleteListing(let repository, let page, let cause):
            "the open pull requests of \(repository) could not be listed completely (page \(page) failed): \(cause)"
        case .badPrivateKey(let reason): "the GitHub App private key cannot be used: \(reason)"
        case .appNotInstalled(let repository): "the GitHub App is not installed on \(repository)"
        }
    }

    /// The HTTP status GitHub answered, if it answered with an error status.
    public var statusCode: Int? {
        if case .status(_, let code, _) = self { return code }
        return nil
    }
}

/// GitHub's two kinds of rate limit.
public enum RateLimitKind: String, Sendable, Equatable {
    /// The hourly request budget (`x-ratelimit-remaining: 0` until `x-ratelimit-reset`).
    case primary
    /// Abuse protection: `retry-after`, or at least a minute with exponential backoff.
    case secondary
}

extension GitHubError: ForgeRefusal {
    /// GitHub refused the request itself: a bad request, a validation failure (422, e.g. a body
    /// over the size limit), a gone or missing resource, a payload too large.
    public var permanentRefusal: String? {
        guard case .status(_, let code, _) = self, [400, 404, 410, 413, 422].contains(code) else { return nil }
        return description
    }
}
