import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SandcastleCore

/// `readiness.http` over AsyncHTTPClient: one `GET` with a short timeout, no redirects followed,
/// the body discarded unread. The URL comes from the configuration, never from a PR.
public final class HTTPReadinessProbe: ReadinessProbe, Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    /// `timeout` bounds each check, connection included.
    public init(timeout: TimeAmount = .seconds(5)) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: timeout, read: timeout)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    public func check(url: String) async -> HTTPCheckFact {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "sandcastle-readiness")
        do {
            // Only the status matters: the body is never read (dropping it ends the request).
            let response = try await client.execute(request, timeout: timeout)
            return HTTPCheckFact(url: url, status: Int(response.status.code))
        } catch {
            return HTTPCheckFact(url: url, status: nil, error: Self.describe(error))
        }
    }

    /// Shuts the client down.
    public func shutdown() async throws { try await client.shutdown() }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "no answer (timeout)" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "no answer (connection refused)" }
        return "no answer (\(text.prefix(200)))"
    }
}
