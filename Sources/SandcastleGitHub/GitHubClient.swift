import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SandcastleCore

/// Settings of a ``GitHubClient``.
public struct GitHubClientConfiguration: Sendable {
    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public var apiURL: String
    public var credential: GitHubCredential
    public var userAgent: String
    /// Each request's deadline, in seconds.
    public var requestTimeout: TimeInterval
    /// Rate-limit waits up to this long are slept through; a longer one fails the request at once.
    public var maxRateLimitWait: TimeInterval
    /// The repositories served, asked at each read: whose trigger labels need their adder
    /// identified (the label-permission rule), and whose `trigger.requiredChecks` make the head
    /// commit's checks worth reading. Never copied, so a repository changed at run time is followed.
    public var repositories: any RepositoryCatalog
    /// How long a collaborator's permission is trusted before it is read again.
    public var permissionCacheLifetime: TimeInterval
    /// Whether listings also read who added each trigger label (one events request per labelled PR).
    /// The controller turns this off: it lists only to notice changes, and decides on per-PR reads,
    /// which always resolve the grant; a resync then costs one conditional request per repository.
    public var listingsResolveLabelGrants = true

    public init(
        apiURL: String = "https://api.github.com", credential: GitHubCredential, userAgent: String = "sandcastle",
        requestTimeout: TimeInterval = 10, maxRateLimitWait: TimeInterval = 60, repositories: any RepositoryCatalog = RepositoryList([]),
        permissionCacheLifetime: TimeInterval = 300
    ) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.credential = credential
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
        self.maxRateLimitWait = maxRateLimitWait
        self.repositories = repositories
        self.permissionCacheLifetime = permissionCacheLifetime
    }
}

/// GitHub's REST API, as Sandcastle uses it: pull requests in (``PullRequestSource``), feedback out
/// (``StatusReporter``). Requests of one credential go one at a time and respect its rate limits.
public final class GitHubClient: Sendable {
    public let configuration: GitHubClientConfiguration
    let clock: any WallClock
    let authenticator: GitHubAuthenticator
    let memo = ReportingMemo()
    private let http: HTTPClient
    private let ownsHTTPClient: Bool

    /// Creates a client; call ``shutdown()`` when done. Throws when an App key cannot sign.
    public init(configuration: GitHubClientConfiguration, clock: any WallClock = SystemClock(), httpClient: HTTPClient? = nil) throws {
        self.configuration = configuration
        self.clock = clock
        var httpConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(configuration.requestTimeout * 1000))))
        httpConfiguration.connectionPool.retryConnectionEstablishment = false  // fail fast; callers back off
        let http = httpClient ?? HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        self.http = http
        self.ownsHTTPClient = httpClient == nil
        let makeLane: @Sendable (String) -> GitHubLane = { name in
            GitHubLane(
                name: name, http: http, clock: clock, userAgent: configuration.userAgent, timeout: configuration.requestTimeout,
                maxWait: configuration.maxRateLimitWait)
        }
        do {
            self.authenticator = try GitHubAuthenticator(
                credential: configuration.credential, apiURL: configuration.apiURL, clock: clock, makeLane: makeLane)
        } catch {
            if httpClient == nil { try? http.syncShutdown() }
            throw error
        }
    }

    /// Closes connections (when the client created its own HTTP client).
    public func shutdown() async throws {
        if ownsHTTPClient { try await http.shutdown() }
    }

    /// The remaining primary budget of every credential in use, for metrics.
    public func rateLimitBudgets() async -> [RateLimitBudget] {
        var budgets: [RateLimitBudget] = []
        for lane in await authenticator.lanes { budgets.append(await lane.budget) }
        return budgets
    }

    /// Requests sent so far, over all credentials.
    public func requestsSent() async -> Int {
        var total = 0
        for lane in await authenticator.lanes { total += await lane.sent }
        return total
    }

    // MARK: requests

    func url(_ path: String) -> String { configuration.apiURL + path }

    /// Sends a request about `repository` with its credential; a refused installation token is
    /// replaced once.
    func send(
        _ method: HTTPMethod, _ url: String, about repository: RepositoryName, body: Data? = nil, conditional: Bool = false
    ) async throws -> (GitHubRequest, GitHubResponse) {
        let request = GitHubRequest(method: method, url: url, body: body, conditional: conditional)
        var (authorization, lane) = try await authenticator.authorization(for: repository)
        var response = try await lane.perform(request, authorization: authorization)
        if response.status == 401, await authenticator.isApp {
            await authenticator.invalidate(for: repository)
            (authorization, lane) = try await authenticator.authorization(for: repository)
            response = try await lane.perform(request, authorization: authorization)
        }
        return (request, response)
    }

    /// Sends a request to the App's own endpoints (or with the token).
    func sendAsApp(_ method: HTTPMethod, _ url: String) async throws -> (GitHubRequest, GitHubResponse) {
        let request = GitHubRequest(method: method, url: url)
        let (authorization, lane) = try await authenticator.appAuthorization()
        return (request, try await lane.perform(request, authorization: authorization))
    }

    /// Every item of a paginated listing, following `Link: rel="next"` on the API host only. Any
    /// failed page fails the whole listing with a ``PageFailure``.
    func paginate<Item: Decodable>(
        _ type: Item.Type, _ firstURL: String, about repository: RepositoryName, maxPages: Int = 100
    ) async throws -> [Item] {
        var items: [Item] = []
        var next: String? = firstURL
        var page = 1
        while let url = next {
            do {
                let (request, response) = try await send(.GET, url, about: repository, conditional: true)
                items += try GitHubJSON.decode([Item].self, response, request: request)
                next = LinkHeader.url(in: response.headers["link"], rel: "next")
                if let link = next, !link.hasPrefix(configuration.apiURL + "/") {
                    throw GitHubError.malformedResponse(request: request.label, reason: "the next page is on another host")
                }
                if next != nil, page >= maxPages {
                    throw GitHubError.malformedResponse(request: request.label, reason: "more than \(maxPages) pages")
                }
            } catch {
                throw PageFailure(page: page, cause: error)
            }
            page += 1
        }
        return items
    }

    static func path(_ repository: RepositoryName) -> String {
        "/repos/\(repository.owner.percentEncodedComponent)/\(repository.name.percentEncodedComponent)"
    }

}

/// Page `page` of a listing failed, so the listing as a whole failed.
struct PageFailure: Error, CustomStringConvertible {
    var page: Int
    var cause: any Error
    var description: String { "page \(page): \(cause)" }
}
