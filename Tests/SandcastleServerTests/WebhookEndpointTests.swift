import AsyncHTTPClient
import Foundation
import SandcastleCore
import SandcastleServer
import SandcastleTestSupport
import Testing

/// The real receiver over real HTTP, fed signed deliveries of the recorded payloads.
@Suite("Webhook endpoint")
struct WebhookEndpointTests {
    static let secret = "It's a Secret to Everybody"

    struct Endpoint {
        let queue: BoundedKeyQueue
        let receiver: WebhookReceiver
        let server: LoopbackHTTPServer
        let sender: WebhookSender
        var url: String { server.baseURL + "/webhooks/github" }

        func deliver(_ fixture: String, id: String = UUID().uuidString, signature: String? = nil) async throws -> WebhookSender.Delivery {
            let event = String(fixture.prefix { $0 != "." })
            return try await sender.deliver(
                event: event, payload: try Fixtures.data("github-webhooks/\(fixture)"), to: url, deliveryID: id, signatureOverride: signature)
        }
    }

    static func with(
        capacity: Int = 100, maxBody: Int = 1 << 20, ready: @escaping @Sendable () async -> Bool = { true },
        accepts: @escaping @Sendable (RepositoryName) -> Bool = { _ in true }, _ body: (Endpoint) async throws -> Void
    ) async throws {
        let queue = BoundedKeyQueue(capacity: capacity)
        let receiver = WebhookReceiver(secret: secret, queue: queue, maxBodyBytes: maxBody, accepts: accepts)
        let server = try await LoopbackHTTPServer.start(router: SandcastleRoutes.router(receiver: receiver, ready: ready))
        let sender = WebhookSender(secret: secret)
        let endpoint = Endpoint(queue: queue, receiver: receiver, server: server, sender: sender)
        do { try await body(endpoint) } catch {
            try? await sender.shutdown()
            await server.stop()
            throw error
        }
        try await sender.shutdown()
        await server.stop()
    }

    @Test func everyRecordedPayloadIsAnsweredAsDocumented() async throws {
        try await Self.with { endpoint in
            for name in try Fixtures.names(in: "github-webhooks") {
                let delivery = try await endpoint.deliver(name)
                switch name {
                case let n where n.hasPrefix("ping"): #expect(delivery.status == 200, "\(name)")
                case let n where n.hasPrefix("pull_request"):
                    #expect(delivery.status == 202, "\(name)")
                    #expect(delivery.body.contains("queued"), "\(name): \(delivery.body)")
                default:  // push, and a comment on an issue that is not a PR
                    #expect(delivery.status == 202 && delivery.body.contains("ignored"), "\(name)")
                }
            }
            #expect(endpoint.receiver.outcomes[.malformed] == nil)
            let key = try #require(await endpoint.queue.next())
            #expect(key.number > 0)
        }
    }

    /// Only a `/sandcastle refresh` comment queues the PR; conversation (and the bot's own comment
    /// edits) cost nothing.
    @Test func onlyACommandCommentQueuesItsPreview() async throws {
        try await Self.with { endpoint in
            func comment(_ body: String, action: String = "created") async throws -> (status: Int, body: String) {
                var payload =
                    try JSONSerialization.jsonObject(with: try Fixtures.data("github-webhooks/issue_comment.created.payload.json")) as! [String: Any]
                var issue = payload["issue"] as! [String: Any]
                issue["pull_request"] = ["url": "https://api.github.com/repos/o/r/pulls/1"]
                payload["issue"] = issue
                payload["action"] = action
                var text = payload["comment"] as! [String: Any]
                text["body"] = body
                payload["comment"] = text
                let delivery = try await endpoint.sender.deliver(
                    event: "issue_comment", payload: try JSONSerialization.data(withJSONObject: payload), to: endpoint.url)
                return (delivery.status, delivery.body)
            }
            let chat = try await comment("LGTM, but /sandcastle refresh later please")
            #expect(chat.status == 202 && chat.body.contains(#"not a \/sandcastle command"#))
            let edited = try await comment("/sandcastle refresh", action: "edited")
            #expect(edited.body.contains(#""outcome":"ignored""#))
            #expect(endpoint.queue.depth == 0)
            let command = try await comment("/sandcastle refresh\nthe deploy looked stuck")
            #expect(command.status == 202 && command.body.contains("queued"))
            #expect(endpoint.queue.depth == 1)
        }
    }

    @Test func forgedMissingAndReserializedSignaturesAreRejected() async throws {
        try await Self.with { endpoint in
            let payload = try Fixtures.data("github-webhooks/pull_request.opened.payload.json")
            let wrongSecret = WebhookSignature(secret: Data("not the secret".utf8)).sign(payload)
            let reserialized = try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: payload), options: [.sortedKeys])
            let signedReserialized = WebhookSignature(secret: Data(Self.secret.utf8)).sign(reserialized)
            for signature in ["", "sha256=" + String(repeating: "0", count: 64), wrongSecret, "sha1=abc", "sha256=zz"] {
                let delivery = try await endpoint.deliver("pull_request.opened.payload.json", signature: signature)
                #expect(delivery.status == 401, "signature \(signature)")
            }
            // The signature of a re-serialized body does not match the bytes GitHub sent.
            let delivery = try await endpoint.sender.deliver(
                event: "pull_request", payload: payload, to: endpoint.url, signatureOverride: signedReserialized)
            #expect(delivery.status == 401)
            #expect(endpoint.queue.depth == 0)
            #expect(endpoint.receiver.outcomes[.unauthorized] == 6)
        }
    }

    @Test func theDocumentedTestVectorIsAccepted() {
        let signature = WebhookSignature(secret: Data("It's a Secret to Everybody".utf8))
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(signature.sign(Data("Hello, World!".utf8)) == expected)
        let reply = WebhookReceiver(secret: "It's a Secret to Everybody", queue: BoundedKeyQueue(capacity: 1))
            .receive(event: "push", deliveryID: "1", signatureHeader: expected, body: Data("Hello, World!".utf8))
        // Authentic, so it reaches decoding; `push` is accepted and ignored.
        #expect(reply.status == 202 && reply.outcome == .ignored)
    }

    @Test func duplicateDeliveriesAreHarmless() async throws {
        try await Self.with { endpoint in
            let first = try await endpoint.deliver("pull_request.synchronize.payload.json", id: "d-1")
            let again = try await endpoint.deliver("pull_request.synchronize.payload.json", id: "d-1")
            #expect(first.status == 202)
            #expect(again.status == 200 && again.body.contains("duplicate"))
            #expect(endpoint.queue.depth == 1)
            // Another delivery of the same PR coalesces with the waiting key.
            let other = try await endpoint.deliver("pull_request.labeled.payload.json", id: "d-2")
            #expect(other.status == 202 && other.body.contains("coalesced"))
            #expect(endpoint.queue.depth == 1)
        }
    }

    @Test func aFullQueueAnswers503AndTheRedeliveryIsAccepted() async throws {
        try await Self.with(capacity: 1) { endpoint in
            _ = endpoint.queue.offer(PreviewKey(repository: RepositoryName(owner: "x", name: "y"), number: 1))
            // Nothing drains the queue: every delivery is still answered (no waiting downstream).
            // How fast is measured by the benchmark, not here.
            for index in 0..<50 {
                let delivery = try await endpoint.deliver("pull_request.opened.payload.json", id: "full-\(index % 2)")
                #expect(delivery.status == 503)
            }
            let drained: PreviewKey? = await endpoint.queue.next()
            #expect(drained != nil)
            let redelivery = try await endpoint.deliver("pull_request.opened.payload.json", id: "full-0")
            #expect(redelivery.status == 202)
        }
    }

    @Test func oversizedAndMalformedBodiesAreRefused() async throws {
        try await Self.with(maxBody: 4096) { endpoint in
            let big = try await endpoint.deliver("pull_request.opened.payload.json")
            #expect(big.status == 413)
            let junk = Data("{not json".utf8)
            let malformed = try await endpoint.sender.deliver(event: "pull_request", payload: junk, to: endpoint.url)
            #expect(malformed.status == 400)
            #expect(malformed.body.contains("pull_request"))
            let noEvent = try await endpoint.sender.deliver(event: "", payload: junk, to: endpoint.url)
            #expect(noEvent.status == 400)
            #expect(endpoint.queue.depth == 0)
        }
    }

    @Test func unconfiguredRepositoriesAreIgnored() async throws {
        try await Self.with(accepts: { $0 == RepositoryName(owner: "acme", name: "other") }) { endpoint in
            let delivery = try await endpoint.deliver("pull_request.opened.payload.json")
            #expect(delivery.status == 202 && delivery.body.contains("not configured"))
            #expect(endpoint.queue.depth == 0)
        }
    }

    @Test func probesAnswer() async throws {
        let ready = LockedValue(false)
        try await Self.with(ready: { ready.withLock { $0 } }) { endpoint in
            func get(_ path: String) async throws -> Int {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: endpoint.server.baseURL + path), timeout: .seconds(5))
                return Int(response.status.code)
            }
            let health = try await get("/healthz")
            let notReady = try await get("/readyz")
            ready.withLock { $0 = true }
            let isReady = try await get("/readyz")
            let missing = try await get("/nope")
            let codes: [Int] = [health, notReady, isReady, missing]
            #expect(codes == [200, 503, 200, 404])
        }
    }
}
