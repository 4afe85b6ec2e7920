import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import SandcastleCore

/// Settings of a ``KubernetesClient``.
public struct KubernetesClientOptions: Sendable {
    /// The server-side apply field manager.
    public var fieldManager = "sandcastle"
    /// Each request's deadline, in seconds.
    public var requestTimeout: TimeInterval = 30
    /// Attempts per request when the server throttles (429), fails (5xx) or the connection drops.
    public var maxAttempts = 5
    /// Backoff between attempts without `Retry-After`: base × 2ⁿ, capped.
    public var baseBackoff: TimeInterval = 0.2
    public var maxBackoff: TimeInterval = 10
    /// Page size of lists.
    public var pageSize = 500
    /// HTTP/1.1 connections to the API server at once (watches included).
    public var connectionsPerHost = 32

    public init() {}
}

/// A small Kubernetes API client on AsyncHTTPClient: discovery, server-side apply, get, list
/// (all pages), delete with preconditions, create and replace; typed errors from `Status` bodies;
/// retries with backoff that honour `Retry-After`.
public final class KubernetesClient: ClusterClient, Sendable {
    public let config: KubeConfig
    public let options: KubernetesClientOptions
    private let http: HTTPClient
    private let discovery = ResourceDiscovery()
    private let credentials: CredentialSource
    private let counts = LockedValue([String: Int]())

    /// Creates a client for `config`; call ``shutdown()`` when done.
    public init(config: KubeConfig, options: KubernetesClientOptions = KubernetesClientOptions()) throws {
        self.config = config
        self.options = options
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = config.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca)))
            }
            if case .clientCertificate(let certificate, let key) = config.credentials {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key), format: .pem))
            }
        } catch {
            throw KubeConfigError(source: config.source, message: "the CA or client certificate/key is not valid PEM")
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .milliseconds(Int64(options.requestTimeout * 1000))))
        // A refused connection fails the attempt at once; this client's own bounded retries decide.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Over HTTP/1.1 each watch holds a connection for its lifetime (seven of them), so the
        // default of 8 per host would leave one for every other request. (HTTP/2, which API
        // servers speak over TLS, multiplexes them on one.)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.connectionsPerHost
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.credentials = CredentialSource(config.credentials)
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// Requests sent so far, by method (retries included).
    public var requestCounts: [String: Int] { counts.withLock { $0 } }

    public func resetRequestCounts() { counts.withLock { $0 = [:] } }

    // MARK: ClusterClient

    public func apply(_ object: ManifestObject, force: Bool) async throws -> ManifestObject {
        try await applyPatch(object, subresource: nil, force: force)
    }

    public func applyStatus(_ object: ManifestObject) async throws -> ManifestObject {
        try await applyPatch(object, subresource: "status", force: true)
    }

    public func applyStatus(_ object: ManifestObject, asManager manager: String) async throws -> ManifestObject {
        try await applyPatch(object, subresource: "status", force: true, manager: manager)
    }

    public func isNamespaced(apiVersion: String, kind: String) async throws -> Bool {
        try await resolve(apiVersion: apiVersion, kind: kind).namespaced
    }

    public func get(_ ref: ResourceRef) async throws -> ManifestObject? {
        let path = try await objectPath(ref)
        do {
            return try Self.object(try await send(.GET, path), request: "GET \(path)", ref: ref)
        } catch KubernetesError.status(let status) where status.reason == .notFound {
            return nil
        }
    }

    public func list(apiVersion: String, kind: String, namespace: String?, labelSelector: String?) async throws -> [ManifestObject] {
        try await listWithVersion(apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: labelSelector).items
    }

    /// Every object of a type, page by page, with the list's resourceVersion (where a watch of
    /// the same objects starts). A continue token that expired (`410`, etcd compacted between two
    /// pages) starts the listing over, at most twice.
    public func listWithVersion(
        apiVersion: String, kind: String, namespace: String?, labelSelector: String?
    ) async throws -> (items: [ManifestObject], resourceVersion: String?) {
        let info = try await resolve(apiVersion: apiVersion, kind: kind)
        let base = Self.collectionPath(apiVersion: apiVersion, plural: info.plural, namespace: info.namespaced ? namespace : nil)
        var restarts = 0
        while true {
            var items: [ManifestObject] = []
            var continueToken: String?
            var version: String?
            do {
                repeat {
                    var query = ["limit": String(options.pageSize)]
                    if let labelSelector { query["labelSelector"] = labelSelector }
                    if let continueToken { query["continue"] = continueToken }
                    let data = try await send(.GET, base, query: query)
                    guard let list = try? ManifestValue.parseJSON(data).object, let page = list["items"]?.array else {
                        throw KubernetesError.malformedResponse(request: "GET \(base)", reason: "not a list")
                    }
                    for case .object(var item) in page {
                        item["apiVersion"] = .string(apiVersion)
                        item["kind"] = .string(kind)
                        items.append(item)
                    }
                    version = list.value(at: "metadata.resourceVersion")?.string ?? version
                    continueToken = list.value(at: "metadata.continue")?.string.flatMap { $0.isEmpty ? nil : $0 }
                } while continueToken != nil
                return (items, version)
            } catch KubernetesError.status(let status) where status.code == 410 && continueToken != nil && restarts < 2 {
                restarts += 1
            }
        }
    }

    public func delete(_ ref: ResourceRef, propagation: PropagationPolicy, uid: String?) async throws -> Bool {
        let path = try await objectPath(ref)
        var options: ManifestObject = ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(propagation.rawValue)]
        if let uid { options["preconditions"] = ["uid": .string(uid)] }
        do {
            _ = try await send(.DELETE, path, body: Data(ManifestValue.object(options).canonicalJSONBytes), contentType: "application/json")
            return true
        } catch KubernetesError.status(let status) where status.reason == .notFound {
            return false
        }
    }

    // MARK: create and replace (Leases, Events)

    /// `POST`: creates the object (the ``ClusterClient`` requirement).
    public func create(_ object: ManifestObject) async throws -> ManifestObject { try await create(object, dryRun: false) }

    /// `POST`: creates the object; a `Status` with `alreadyExists` when it exists. With `dryRun`
    /// the server validates and authorizes the request but stores nothing (`dryRun=All`).
    public func create(_ object: ManifestObject, dryRun: Bool = false) async throws -> ManifestObject {
        let ref = ResourceRef(object)
        let info = try await resolve(apiVersion: ref.apiVersion, kind: ref.kind)
        let path = Self.collectionPath(apiVersion: ref.apiVersion, plural: info.plural, namespace: info.namespaced ? ref.namespace : nil)
        let data = try await send(
            .POST, path, query: dryRun ? ["dryRun": "All"] : [:], body: Data(ManifestValue.object(object).canonicalJSONBytes),
            contentType: "application/json")
        return try Self.object(data, request: "POST \(path)", ref: ref)
    }

    /// `PUT`: replaces the object if its `metadata.resourceVersion` is current; a `Status` with
    /// `conflict` when someone else changed it first (re-read, then decide again). With `dryRun`
    /// nothing is stored.
    public func replace(_ object: ManifestObject, dryRun: Bool = false) async throws -> ManifestObject {
        let ref = ResourceRef(object)
        let path = try await objectPath(ref)
        let data = try await send(
            .PUT, path, query: dryRun ? ["dryRun": "All"] : [:], body: Data(ManifestValue.object(object).canonicalJSONBytes),
            contentType: "application/json")
        return try Self.object(data, request: "PUT \(path)", ref: ref)
    }

    /// The server's version (`GET /version`), to check connectivity and credentials.
    public func serverVersion() async throws -> String {
        let data = try await send(.GET, "/version")
        return (try? ManifestValue.parseJSON(data).object?["gitVersion"]?.string) ?? "unknown"
    }

    // MARK: plumbing

    private func applyPatch(_ object: ManifestObject, subresource: String?, force: Bool, manager: String? = nil) async throws -> ManifestObject {
        let ref = ResourceRef(object)
        let path = try await objectPath(ref) + (subresource.map { "/\($0)" } ?? "")
        var query = ["fieldManager": manager ?? options.fieldManager]
        if force { query["force"] = "true" }
        let data = try await send(
            .PATCH, path, query: query, body: Data(ManifestValue.object(object).canonicalJSONBytes), contentType: "application/apply-patch+yaml")
        return try Self.object(data, request: "PATCH \(path)", ref: ref)
    }

    func resolve(apiVersion: String, kind: String) async throws -> ResourceInfo {
        try await discovery.resolve(apiVersion: apiVersion, kind: kind) { path in try await self.send(.GET, path) }
    }

    private func objectPath(_ ref: ResourceRef) async throws -> String {
        let info = try await resolve(apiVersion: ref.apiVersion, kind: ref.kind)
        if info.namespaced, ref.namespace == nil {
            throw KubernetesError.malformedResponse(request: "\(ref)", reason: "\(ref.kind) is namespaced; the object names no namespace")
        }
        return Self.collectionPath(apiVersion: ref.apiVersion, plural: info.plural, namespace: info.namespaced ? ref.namespace : nil) + "/"
            + ref.name.percentEncodedComponent
    }

    static func collectionPath(apiVersion: String, plural: String, namespace: String?) -> String {
        let root = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        return root + (namespace.map { "/namespaces/\($0.percentEncodedComponent)" } ?? "") + "/" + plural
    }

    private static func object(_ data: Data, request: String, ref: ResourceRef) throws -> ManifestObject {
        guard var object = try? ManifestValue.parseJSON(data).object else {
            throw KubernetesError.malformedResponse(request: request, reason: "the body is not a JSON object")
        }
        if object["kind"] == nil { object["kind"] = .string(ref.kind) }
        if object["apiVersion"] == nil { object["apiVersion"] = .string(ref.apiVersion) }
        return object
    }

    /// Sends a request, retrying throttling (429), server errors (5xx) and dropped connections
    /// with bounded backoff that honours `Retry-After`. Returns the body of a 2xx answer.
    func send(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: Data? = nil, contentType: String? = nil
    ) async throws -> Data {
        let label = "\(method.rawValue) \(path)"
        var attempt = 0
        while true {
            attempt += 1
            let request = try await makeRequest(method, path, query: query, body: body, contentType: contentType)
            counts.withLock { $0[method.rawValue, default: 0] += 1 }
            let status: Int
            let data: Data
            var retryAfter: TimeInterval?
            do {
                let response = try await http.execute(request, timeout: .milliseconds(Int64(options.requestTimeout * 1000)))
                data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
                status = Int(response.status.code)
                retryAfter = response.headers.first(name: "retry-after").flatMap(TimeInterval.init)
            } catch {
                if attempt < options.maxAttempts {
                    try await Task.sleep(for: .seconds(backoff(attempt)))
                    continue
                }
                throw KubernetesError.transport(request: label, reason: String(describing: error))
            }
            if (200..<300).contains(status) { return data }
            let decoded = KubernetesStatus.failure(data, code: status, request: label)
            if decoded.reason == .tooManyRequests || decoded.reason == .serverError, attempt < options.maxAttempts {
                let wait = min(retryAfter ?? decoded.retryAfterSeconds.map(TimeInterval.init) ?? backoff(attempt), options.maxBackoff)
                try await Task.sleep(for: .seconds(wait))
                continue
            }
            throw KubernetesError.status(decoded)
        }
    }

    /// Opens a long-lived `GET` (a watch) and returns its body as it arrives; a non-2xx answer
    /// throws its `Status`. Not retried: a watch is resumed by its caller.
    func stream(_ path: String, query: [String: String], timeout: TimeInterval) async throws -> HTTPClientResponse.Body {
        let request = try await makeRequest(.GET, path, query: query)
        counts.withLock { $0["WATCH", default: 0] += 1 }
        let label = "GET \(path)?watch=true"
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw KubernetesError.transport(request: label, reason: String(describing: error))
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
            throw KubernetesError.status(KubernetesStatus.failure(data, code: Int(response.status.code), request: label))
        }
        return response.body
    }

    /// A request to `path` with the headers and credentials every call carries.
    private func makeRequest(
        _ method: HTTPMethod, _ path: String, query: [String: String], body: Data? = nil, contentType: String? = nil
    ) async throws -> HTTPClientRequest {
        var url = config.server + path
        if !query.isEmpty {
            url += "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.percentEncodedComponent)" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "sandcastle")
        if let authorization = try await credentials.authorization() { request.headers.add(name: "Authorization", value: authorization) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        return request
    }

    private func backoff(_ attempt: Int) -> TimeInterval {
        min(options.baseBackoff * pow(2, Double(attempt - 1)), options.maxBackoff)
    }
}
