import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SandcastleCore

/// One request to GitHub.
struct GitHubRequest: Sendable {
    var method: HTTPMethod
    /// Absolute URL.
    var url: String
    var body: Data?
    /// Send `If-None-Match` with the ETag cached for this URL, and answer a 304 from the cache.
    var conditional = false

    /// `GET /path`, as errors name the request (no host, no query values that could matter).
    var label: String {
        let path = URL(string: url)?.path ?? url
        return "\(method.rawValue) \(path)"
    }
}

/// GitHub's answer. Header names are lowercased.
struct GitHubResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    /// The answer was a 304 and this is the cached page.
    var fromCache = false
}

/// The requests of one credential: one at a time, never before a rate limit lifts, with an ETag
/// cache for conditional requests. Everything here is per credential, as GitHub's limits are.
actor GitHubLane {
    let name: String
    private let http: HTTPClient
    private let clock: any WallClock
    private let userAgent: String
    private let timeout: TimeAmount
    /// Rate-limit waits up to this long are slept through; longer ones fail fast.
    private let maxWait: TimeInterval
    private var rate = RateLimitState()
    private var cache: [String: GitHubResponse] = [:]
    private var cacheOrder: [String] = []
    private static let cacheCapacity = 4096
    private static let maxBody = 32 * 1024 * 1024

    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Requests actually sent (304s included).
    private(set) var sent = 0

    init(name: String, http: HTTPClient, clock: any WallClock, userAgent: String, timeout: TimeInterval, maxWait: TimeInterval) {
        self.name = name
        self.http = http
        self.clock = clock
        self.userAgent = userAgent
        self.timeout = .milliseconds(Int64(timeout * 1000))
        self.maxWait = maxWait
    }

    var budget: RateLimitBudget {
        RateLimitBudget(credential: name, limit: rate.limit, remaining: rate.remaining, resetAt: rate.resetAt)
    }

    /// Sends `request` with `authorization`, waiting for this credential's turn and its rate limits.
    func perform(_ request: GitHubRequest, authorization: String) async throws -> GitHubResponse {
        await acquire()
        defer { release() }
        var attempts = 0
        while true {
            if let until = rate.wait(now: clock.now) {
                if until.timeIntervalSince(clock.now) > maxWait || attempts >= 3 {
                    throw GitHubError.rateLimited(request: request.label, kind: rate.remaining == 0 ? .primary : .secondary, until: until)
                }
                try await clock.sleep(until: until)
            }
            attempts += 1
            var response = try await send(request, authorization: authorization)
            switch rate.observe(status: response.status, headers: response.headers, body: response.body, now: clock.now) {
            case .limited:
                continue
            case .proceed:
                if request.conditional {
                    if response.status == 304, let cached = cache[request.url] {
                        response = GitHubResponse(status: 200, headers: cached.headers, body: cached.body, fromCache: true)
                    } else if response.status == 200, response.headers["etag"] != nil, Self.isJSON(response) {
                        remember(response, for: request.url)
                    }
                }
                return response
            }
        }
    }

    private func send(_ request: GitHubRequest, authorization: String) async throws -> GitHubResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers.add(name: "Accept", value: "application/vnd.github+json")
        outgoing.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        outgoing.headers.add(name: "User-Agent", value: userAgent)
        outgoing.headers.add(name: "Authorization", value: authorization)
        if request.conditional, let etag = cache[request.url]?.headers["etag"] {
            outgoing.headers.add(name: "If-None-Match", value: etag)
        }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        sent += 1
        do {
            let response = try await http.execute(outgoing, timeout: timeout)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            let body = try await response.body.collect(upTo: Self.maxBody)
            return GitHubResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
        } catch let error as HTTPClientError {
            throw GitHubError.transport(request: request.label, reason: Self.describe(error))
        } catch is NIOTooManyBytesError {
            throw GitHubError.malformedResponse(request: request.label, reason: "body larger than \(Self.maxBody) bytes")
        } catch {
            throw GitHubError.transport(request: request.label, reason: String(describing: error))
        }
    }

    private static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .deadlineExceeded, .readTimeout: "timed out"
        case .remoteConnectionClosed: "the connection was closed before the response was complete"
        case .connectTimeout: "connect timed out"
        default: String(describing: error)
        }
    }

    /// Only a complete JSON body may answer later 304s (a truncated page must not be replayed).
    private static func isJSON(_ response: GitHubResponse) -> Bool {
        (response.headers["content-type"] ?? "").contains("json") && (try? JSONSerialization.jsonObject(with: response.body)) != nil
    }

    private func remember(_ response: GitHubResponse, for url: String) {
        if cache[url] == nil {
            cacheOrder.append(url)
            if cacheOrder.count > Self.cacheCapacity { cache[cacheOrder.removeFirst()] = nil }
        }
        cache[url] = response
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
