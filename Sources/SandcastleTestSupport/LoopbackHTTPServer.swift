import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SandcastleCore

/// An in-process HTTP server on 127.0.0.1 and a free port, for fakes and for the real receiver in
/// tests. Stopped by ``stop()``.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let task: Task<Void, any Error>

    private let scheme: String

    /// `http://127.0.0.1:<port>`, or `https://` when serving TLS.
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>, scheme: String) {
        self.port = port
        self.task = task
        self.scheme = scheme
    }

    /// Starts serving `respond` and returns once the port is bound.
    /// Starts serving `respond` (over TLS with `tls`) and returns once the port is bound.
    public static func start(
        tls: TLSConfiguration? = nil, _ respond: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) async throws -> LoopbackHTTPServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "loopback")
        logger.logLevel = .critical
        let app = Application(
            responder: CallbackResponder(callback: respond),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return LoopbackHTTPServer(port: port, task: task, scheme: tls == nil ? "http" : "https")
    }

    /// Starts serving `router`.
    public static func start(router: Router<BasicRequestContext>) async throws -> LoopbackHTTPServer {
        let responder = router.buildResponder()
        return try await start { request, context in try await responder.respond(to: request, context: context) }
    }

    /// Stops serving and waits until the server is down.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension LoopbackHTTPServer {
    /// A server that records every request's path and answers 200 with a small YAML object, the
    /// way an internal service or a metadata endpoint would answer a request smuggled in by a
    /// bundle. Tests expect it to receive nothing.
    public static func startRecording() async throws -> (server: LoopbackHTTPServer, paths: LockedValue<[String]>) {
        let paths = LockedValue([String]())
        let server = try await start { request, _ in
            paths.withLock { $0.append(request.uri.path) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {token: secret}\n")))
        }
        return (server, paths)
    }
}
