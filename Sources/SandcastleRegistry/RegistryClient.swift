import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SandcastleCore

/// Reads manifest digests from container registries over the OCI Distribution API:
/// `HEAD /v2/<name>/manifests/<tag>` with every manifest and index media type accepted, the digest
/// from `Docker-Content-Digest` (or the SHA-256 of the body when a registry leaves it out), so a
/// multi-architecture image resolves to its index digest. Authentication as the registry asks for
/// it in `WWW-Authenticate`: anonymous, Basic, or the Bearer token flow (realm, service, scope),
/// with the configured credentials when there are any. Resolved digests are cached: a tag that
/// contains the commit SHA for good, others for ``mutableTTL``.
public actor RegistryClient: ImageResolving {
    /// The media types asked for: an index (multi-architecture) is preferred, as `docker pull` does.
    public static let accept = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    ].joined(separator: ", ")

    /// How long a digest read for a tag that may move is reused.
    public var mutableTTL: TimeInterval = 60

    private let registries: [RegistryConfig]
    private let http: HTTPClient
    private let environment: [String: String]
    private var cache: [ImageTags.Request: (digest: String, until: Date?)] = [:]
    /// Bearer tokens by host and scope, until they expire.
    private var tokens: [String: (token: String, until: Date)] = [:]
    /// Requests sent, for tests and the benchmark (a cached resolution sends none).
    public private(set) var requestCount = 0

    /// How long one registry request may take.
    private let timeout: TimeAmount

    public init(
        registries: [RegistryConfig], http: HTTPClient = .shared, environment: [String: String] = ProcessInfo.processInfo.environment,
        timeout: TimeAmount = .seconds(15)
    ) {
        self.timeout = timeout
        self.registries = registries
        self.http = http
        self.environment = environment
    }

    /// Sets how long a digest read for a tag that may move is reused.
    public func setMutableTTL(_ seconds: TimeInterval) { mutableTTL = seconds }

    /// ``parameters(of:)``, for tests.
    public static func parametersForTests(_ challenge: String) -> [String: String] { parameters(of: challenge) }

    public func digest(of request: ImageTags.Request, immutable: Bool) async throws -> String {
        if let cached = cache[request], cached.until.map({ $0 > Date() }) ?? true { return cached.digest }
        let digest = try await resolve(request)
        cache[request] = (digest, immutable ? nil : Date().addingTimeInterval(mutableTTL))
        return digest
    }

    /// Where `name` lives: registry host, repository path and the configured entry for the host.
    func locate(_ name: String) -> (host: String, repository: String, config: RegistryConfig?) {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        var host = "docker.io"
        var repository = name
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            host = parts[0]
            repository = parts[1]
        }
        let config = registries.first { $0.host == host }
        if host == "docker.io" {
            if !repository.contains("/") { repository = "library/" + repository }
            host = config == nil ? "registry-1.docker.io" : host
        }
        return (host, repository, config)
    }

    private func resolve(_ request: ImageTags.Request) async throws -> String {
        let (host, repository, config) = locate(request.name)
        let scheme = config?.insecure == true ? "http" : "https"
        let url = "\(scheme)://\(host)/v2/\(repository)/manifests/\(request.tag)"
        var authorization = tokens["\(host) \(repository)"].flatMap { $0.until > Date() ? "Bearer \($0.token)" : nil }
        for attempt in 0..<2 {
            let response = try await send(url, method: .HEAD, authorization: authorization, host: host)
            _ = try? await response.body.collect(upTo: 1 << 20)  // a HEAD answer has none; frees the connection
            switch response.status.code {
            case 200:
                if let digest = response.headers.first(name: "Docker-Content-Digest"), ImageReference.isDigest(digest) { return digest }
                // Some registries leave the header out of HEAD answers: the digest is the body's SHA-256.
                let body = try await send(url, method: .GET, authorization: authorization, host: host)
                guard body.status.code == 200 else {
                    throw ImageResolutionError.malformed(image: request.description, reason: "GET answered \(body.status.code)")
                }
                let bytes = try await body.body.collect(upTo: 4 << 20)
                return "sha256:" + SHA256.hash(data: Data(buffer: bytes)).map { String(format: "%02x", $0) }.joined()
            case 404:
                throw ImageResolutionError.notFound(request.description)
            case 401 where attempt == 0:
                let challenge = response.headers.first(name: "WWW-Authenticate") ?? ""
                authorization = try await answer(challenge, host: host, repository: repository, config: config, image: request.description)
            case 401, 403:
                throw ImageResolutionError.unauthorized(
                    image: request.description, host: host, status: Int(response.status.code), credentials: Self.credentialNames(config))
            default:
                throw ImageResolutionError.unreachable(host: host, reason: "HEAD \(url) answered \(response.status.code)")
            }
        }
        throw ImageResolutionError.unauthorized(image: request.description, host: host, status: 401, credentials: Self.credentialNames(config))
    }

    /// The `Authorization` header that answers a `WWW-Authenticate` challenge.
    private func answer(_ challenge: String, host: String, repository: String, config: RegistryConfig?, image: String) async throws -> String {
        let basic = try credentials(config).map { "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString() }
        let scheme = challenge.split(separator: " ", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        if scheme == "basic" {
            guard let basic else {
                throw ImageResolutionError.unauthorized(
                    image: image, host: host, status: 401, credentials: "no credentials (none configured for \(host))")
            }
            return basic
        }
        guard scheme == "bearer" else {
            throw ImageResolutionError.malformed(image: image, reason: "unknown authentication scheme in '\(challenge)'")
        }
        let parameters = Self.parameters(of: challenge)
        guard let realm = parameters["realm"], var components = URLComponents(string: realm) else {
            throw ImageResolutionError.malformed(image: image, reason: "a Bearer challenge without a realm")
        }
        var query = components.queryItems ?? []
        if let service = parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: parameters["scope"] ?? "repository:\(repository):pull"))
        components.queryItems = query
        guard let tokenURL = components.string else { throw ImageResolutionError.malformed(image: image, reason: "realm '\(realm)'") }
        let response = try await send(tokenURL, method: .GET, authorization: basic, host: host)
        guard response.status.code == 200 else {
            throw ImageResolutionError.unauthorized(
                image: image, host: host, status: Int(response.status.code), credentials: Self.credentialNames(config))
        }
        struct TokenAnswer: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(buffer: body)), let token = answer.token ?? answer.access_token
        else {
            throw ImageResolutionError.malformed(image: image, reason: "the token service's answer has no token")
        }
        tokens["\(host) \(repository)"] = (token, Date().addingTimeInterval(TimeInterval(max(30, (answer.expires_in ?? 60) - 10))))
        return "Bearer \(token)"
    }

    private func credentials(_ config: RegistryConfig?) throws -> (user: String, password: String)? {
        guard let config else { return nil }
        do {
            return try config.resolvedCredentials(environment: environment).map { ($0.username, $0.password) }
        } catch {
            throw ImageResolutionError.unauthorized(image: config.host, host: config.host, status: 0, credentials: "\(error)")
        }
    }

    /// Which credentials were used, by where they come from (never their value).
    static func credentialNames(_ config: RegistryConfig?) -> String {
        config?.credentialSources ?? "no credentials (the registry is not in registries)"
    }

    private func send(_ url: String, method: HTTPMethod, authorization: String?, host: String) async throws -> HTTPClientResponse {
        requestCount += 1
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: Self.accept)
        request.headers.add(name: "User-Agent", value: "sandcastle")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            return try await http.execute(request, timeout: timeout)
        } catch {
            throw ImageResolutionError.unreachable(host: host, reason: "\(error)")
        }
    }

    /// `realm="…",service="…",scope="…"` of a challenge.
    static func parameters(of challenge: String) -> [String: String] {
        var out: [String: String] = [:]
        let body = challenge.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let pattern = /([A-Za-z_]+)="([^"]*)"/
        for match in body.matches(of: pattern) { out[String(match.output.1).lowercased()] = String(match.output.2) }
        return out
    }
}
