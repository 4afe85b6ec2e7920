import Foundation
import JWTKit
import NIOHTTP1
import SandcastleCore

/// Turns the configured credential into `Authorization` headers and the lane each request goes on.
///
/// A token has one lane. A GitHub App signs a short JWT for its own endpoints (one lane) and buys an
/// installation token per installation (one lane each), cached and refreshed before it expires.
actor GitHubAuthenticator {
    /// A cached installation token with what it may do.
    struct InstallationToken: Sendable {
        var token: String
        var expiresAt: Date
        var permissions: [String: String]
    }

    private enum Mode {
        case token(String, GitHubLane)
        case app(id: Int, installationID: Int?, key: Insecure.RSA.PrivateKey, lane: GitHubLane)
    }

    private let mode: Mode
    private let apiURL: String
    private let clock: any WallClock
    private let makeLane: @Sendable (String) -> GitHubLane
    private var signingKeys: JWTKeyCollection?
    private var installationLanes: [Int: GitHubLane] = [:]
    private var installations: [RepositoryName: Int] = [:]
    private var tokens: [Int: InstallationToken] = [:]
    private var refreshing: [Int: Task<InstallationToken, any Error>] = [:]

    /// Installation tokens are replaced when less than this is left of their hour.
    static let refreshMargin: TimeInterval = 5 * 60
    /// JWT lifetime: `iat` 60 s in the past (clock drift), `exp` 9 minutes ahead (GitHub allows 10).
    static let jwtBackdate: TimeInterval = 60
    static let jwtLifetime: TimeInterval = 9 * 60

    init(credential: GitHubCredential, apiURL: String, clock: any WallClock, makeLane: @escaping @Sendable (String) -> GitHubLane) throws {
        self.apiURL = apiURL
        self.clock = clock
        self.makeLane = makeLane
        switch credential {
        case .token(let token):
            mode = .token(token, makeLane("token"))
        case .app(let id, let installationID, let pem):
            let key: Insecure.RSA.PrivateKey
            do {
                key = try Insecure.RSA.PrivateKey(pem: pem)
            } catch {
                throw GitHubError.badPrivateKey(reason: "not an RSA private key in PEM form of at least 2048 bits")
            }
            mode = .app(id: id, installationID: installationID, key: key, lane: makeLane("app"))
        }
    }

    var isApp: Bool {
        if case .app = mode { return true }
        return false
    }

    /// Every lane, for the rate-limit budget.
    var lanes: [GitHubLane] {
        switch mode {
        case .token(_, let lane): [lane]
        case .app(_, _, _, let lane): [lane] + installationLanes.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    /// The header and lane for a request about `repository` (an installation token for an App).
    func authorization(for repository: RepositoryName) async throws -> (header: String, lane: GitHubLane) {
        switch mode {
        case .token(let token, let lane):
            return ("Bearer \(token)", lane)
        case .app:
            let installation = try await installationID(for: repository)
            let token = try await installationToken(installation)
            return ("Bearer \(token.token)", lane(for: installation))
        }
    }

    /// The header and lane for the App's own endpoints (`/app`, installations), or the token's.
    func appAuthorization() async throws -> (header: String, lane: GitHubLane) {
        switch mode {
        case .token(let token, let lane): return ("Bearer \(token)", lane)
        case .app(_, _, _, let lane): return ("Bearer \(try await jwt())", lane)
        }
    }

    /// The permissions of the installation token for `repository` (an App only).
    func installationPermissions(for repository: RepositoryName) async throws -> [String: String]? {
        guard isApp else { return nil }
        return try await installationToken(try await installationID(for: repository)).permissions
    }

    /// Forgets the token of `repository`'s installation after GitHub refused it (401).
    func invalidate(for repository: RepositoryName) {
        if let id = installations[repository] { tokens[id] = nil }
    }

    /// A JWT for the App, signed RS256.
    func jwt() async throws -> String {
        guard case .app(let id, _, let key, _) = mode else { throw GitHubError.badPrivateKey(reason: "not a GitHub App") }
        let keys: JWTKeyCollection
        if let signingKeys {
            keys = signingKeys
        } else {
            keys = JWTKeyCollection()
            await keys.add(rsa: key, digestAlgorithm: .sha256)
            signingKeys = keys
        }
        let now = clock.now
        let claims = AppClaims(
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: (now.timeIntervalSince1970 - Self.jwtBackdate).rounded(.down))),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Self.jwtLifetime).rounded(.down))),
            iss: IssuerClaim(value: String(id)))
        do {
            return try await keys.sign(claims)
        } catch {
            throw GitHubError.badPrivateKey(reason: "signing failed: \(error)")
        }
    }

    private func lane(for installation: Int) -> GitHubLane {
        if let lane = installationLanes[installation] { return lane }
        let lane = makeLane("installation/\(installation)")
        installationLanes[installation] = lane
        return lane
    }

    private func installationID(for repository: RepositoryName) async throws -> Int {
        guard case .app(_, let configured, _, let lane) = mode else { throw GitHubError.badPrivateKey(reason: "not a GitHub App") }
        if let configured { return configured }
        if let known = installations[repository] { return known }
        let request = GitHubRequest(method: .GET, url: "\(apiURL)/repos/\(repository.owner)/\(repository.name)/installation")
        let response = try await lane.perform(request, authorization: "Bearer \(try await jwt())")
        if response.status == 404 { throw GitHubError.appNotInstalled(repository: repository.description) }
        let installation = try GitHubJSON.decode(Installation.self, response, request: request)
        installations[repository] = installation.id
        return installation.id
    }

    private func installationToken(_ installation: Int) async throws -> InstallationToken {
        if let cached = tokens[installation], cached.expiresAt.timeIntervalSince(clock.now) > Self.refreshMargin { return cached }
        if let inFlight = refreshing[installation] { return try await inFlight.value }
        let task = Task { try await self.fetchInstallationToken(installation) }
        refreshing[installation] = task
        defer { refreshing[installation] = nil }
        let token = try await task.value
        tokens[installation] = token
        return token
    }

    private func fetchInstallationToken(_ installation: Int) async throws -> InstallationToken {
        guard case .app(_, _, _, let lane) = mode else { throw GitHubError.badPrivateKey(reason: "not a GitHub App") }
        let request = GitHubRequest(method: .POST, url: "\(apiURL)/app/installations/\(installation)/access_tokens")
        let response = try await lane.perform(request, authorization: "Bearer \(try await jwt())")
        let body = try GitHubJSON.decode(AccessToken.self, response, request: request, expecting: 201)
        return InstallationToken(token: body.token, expiresAt: body.expires_at, permissions: body.permissions ?? [:])
    }

    private struct Installation: Decodable { var id: Int }
    private struct AccessToken: Decodable {
        var token: String
        var expires_at: Date
        var permissions: [String: String]?
    }
}

/// The claims GitHub expects in an App JWT.
struct AppClaims: JWTPayload {
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim

    func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
}
