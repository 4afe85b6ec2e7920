import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import NIOSSL

/// A request as a fake server sees it.
struct FakeHTTPRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var rawQuery: String
    /// Lowercased names; `host` is the request's authority.
    var headers: [String: String]
    var body: Data
}

/// A fake's answer: how long to hold it back (real time, outside the fake's actor), and whether
/// to drop the connection half-way through the body instead of finishing it.
struct FakeHTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body = Data()
    var delay: Double = 0
    var dropConnection = false
    /// A streamed body (a watch): each element is written as it comes; the stream ending ends it.
    var stream: (@Sendable () -> AsyncStream<Data>)?
}

/// The connection was dropped on purpose.
struct DroppedConnection: Error {}

extension LoopbackHTTPServer {
    /// Serves a fake: each request is turned into a ``FakeHTTPRequest`` and answered by `handle`.
    static func startFake(
        tls: TLSConfiguration? = nil, _ handle: @escaping @Sendable (FakeHTTPRequest) async -> FakeHTTPResponse
    ) async throws -> LoopbackHTTPServer {
        try await start(tls: tls) { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            headers["host"] = request.head.authority  // HTTP/1.1 `Host` arrives as the authority
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            let body = try await request.body.collect(upTo: 16 << 20)
            let fake = FakeHTTPRequest(
                method: request.method.rawValue, path: request.uri.path, query: query, rawQuery: request.uri.query ?? "", headers: headers,
                body: Data(buffer: body))
            let answer = await handle(fake)
            if answer.delay > 0 { try await Task.sleep(for: .seconds(answer.delay)) }
            var fields = HTTPFields()
            for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) } }
            if let stream = answer.stream {
                return Response(
                    status: .init(code: answer.status), headers: fields,
                    body: ResponseBody { writer in
                        for await chunk in stream() { try await writer.write(ByteBuffer(data: chunk)) }
                        try await writer.finish(nil)
                    })
            }
            if answer.dropConnection {
                let half = ByteBuffer(data: answer.body.prefix(max(1, answer.body.count / 2)))
                return Response(
                    status: .init(code: answer.status), headers: fields,
                    body: ResponseBody(contentLength: max(answer.body.count, 2)) { writer in
                        try await writer.write(half)
                        throw DroppedConnection()
                    })
            }
            return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(data: answer.body)))
        }
    }
}
