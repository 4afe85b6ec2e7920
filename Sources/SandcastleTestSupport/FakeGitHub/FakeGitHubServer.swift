import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import SandcastleCore

/// The fake GitHub served over real HTTP on loopback, plus a webhook sender that signs payloads
/// and delivers them as GitHub does.
public final class FakeGitHubServer: Sendable {
    public let github: FakeGitHub
    private let server: LoopbackHTTPServer

    /// The API base URL to configure clients with.
    public var apiURL: String { server.baseURL }

    private init(github: FakeGitHub, server: LoopbackHTTPServer) {
        self.github = github
        self.server = server
    }

    public static func start(clock: any WallClock = SystemClock()) async throws -> FakeGitHubServer {
        let github = FakeGitHub(clock: clock)
        let server = try await LoopbackHTTPServer.startFake { await github.handle($0) }
        return FakeGitHubServer(github: github, server: server)
    }

    public func stop() async { await server.stop() }
}

/// Signs webhook payloads with a secret and POSTs them as GitHub does (`X-GitHub-Event`,
/// `X-GitHub-Delivery`, `X-Hub-Signature-256`).
public final class WebhookSender: Sendable {
    public struct Delivery: Sendable {
        public var status: Int
        public var body: String
    }

    private let http: HTTPClient
    private let signature: WebhookSignature

    public init(secret: String) {
        self.http = HTTPClient(eventLoopGroupProvider: .singleton)
        self.signature = WebhookSignature(secret: Data(secret.utf8))
    }

    /// Delivers `payload` as event `event` to `url`; `signatureOverride` replaces the real signature
    /// (`""` sends none).
    public func deliver(
        event: String, payload: Data, to url: String, deliveryID: String = UUID().uuidString, signatureOverride: String? = nil
    ) async throws -> Delivery {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "GitHub-Hookshot/fake")
        request.headers.add(name: "X-GitHub-Event", value: event)
        request.headers.add(name: "X-GitHub-Delivery", value: deliveryID)
        let header = signatureOverride ?? signature.sign(payload)
        if !header.isEmpty { request.headers.add(name: "X-Hub-Signature-256", value: header) }
        request.body = .bytes(ByteBuffer(data: payload))
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Delivery(status: Int(response.status.code), body: String(buffer: body))
    }

    public func shutdown() async throws { try await http.shutdown() }
}
