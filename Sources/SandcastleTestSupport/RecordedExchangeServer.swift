import Foundation
import SandcastleCore

/// Plays recorded exchanges back over HTTP: each request is answered with the recorded response
/// (status, content type, body; a watch's events as lines) of the first exchange not yet used with
/// the same method and path, so a client can be held to what a real server sent. Discovery and
/// `/version` answers are served as often as asked.
public final class RecordedExchangeServer: Sendable {
    private let server: LoopbackHTTPServer
    private let state: LockedValue<(pending: [RecordedExchange], served: [String])>

    /// `http://127.0.0.1:<port>`.
    public var url: String { server.baseURL }
    /// The requests answered, as `METHOD path`, in order.
    public var served: [String] { state.withLock { $0.served } }

    private init(server: LoopbackHTTPServer, state: LockedValue<(pending: [RecordedExchange], served: [String])>) {
        self.server = server
        self.state = state
    }

    public static func start(_ exchanges: [RecordedExchange]) async throws -> RecordedExchangeServer {
        let state = LockedValue((pending: exchanges, served: [String]()))
        let server = try await LoopbackHTTPServer.startFake { request in
            let answer: RecordedExchange? = state.withLock { state in
                // Same method and path, and a watch for a watch, a continued list for a continued list.
                let watching = request.query["watch"] == "true"
                let continuing = request.query["continue"] != nil
                guard
                    let index = state.pending.firstIndex(where: {
                        $0.method == request.method && $0.path == request.path && $0.isWatch == watching && ($0.query["continue"] != nil) == continuing
                    })
                else { return nil }
                let exchange = state.pending[index]
                let reusable = exchange.method == "GET" && !exchange.path.contains("/namespaces/") && exchange.query.isEmpty
                if !reusable { state.pending.remove(at: index) }
                state.served.append("\(request.method) \(request.path)")
                return exchange
            }
            guard let answer else {
                return FakeHTTPResponse(status: 599, headers: [("content-type", "text/plain")], body: Data("no recorded exchange for \(request.method) \(request.path)".utf8))
            }
            let body: Data
            if let events = answer.watchEvents, answer.status == 200 {
                body = Data(events.map { ManifestValue.object($0).canonicalJSON + "\n" }.joined().utf8)
            } else if case .string(let text) = answer.responseBody {
                body = Data(text.utf8)
            } else {
                body = Data(answer.responseBody.canonicalJSONBytes)
            }
            var headers = [("content-type", answer.responseHeaders["content-type"] ?? "application/json")]
            if let warning = answer.responseHeaders["warning"] { headers.append(("warning", warning)) }
            return FakeHTTPResponse(status: answer.status, headers: headers, body: body)
        }
        return RecordedExchangeServer(server: server, state: state)
    }

    public func stop() async { await server.stop() }
}
