import AsyncHTTPClient
import Foundation
import NIOCore
import SandcastleCore
import SandcastleServer
import SandcastleTestSupport

/// Webhook received → key enqueued, through the real Hummingbird endpoint on loopback: signed
/// deliveries of the recorded `pull_request.synchronize` payload, each with its own delivery id,
/// while a consumer drains the queue as the controller would.
func runWebhookBenchmark(deliveries: Int) async throws {
    let secret = "benchmark-secret"
    let payload = try Fixtures.data("github-webhooks/pull_request.synchronize.payload.json")
    let signature = WebhookSignature(secret: Data(secret.utf8)).sign(payload)
    let queue = BoundedKeyQueue(capacity: 100_000)
    let receiver = WebhookReceiver(secret: secret, queue: queue)
    let server = try await LoopbackHTTPServer.start(router: SandcastleRoutes.router(receiver: receiver))
    let consumer = Task { while await queue.next() != nil {} }
    let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
    let url = server.baseURL + "/webhooks/github"
    let counter = LockedValue(0)

    /// Sends one delivery and returns its round trip in seconds.
    @Sendable func deliver() async throws -> Double {
        let id = counter.withLock { value -> Int in
            value += 1
            return value
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-GitHub-Event", value: "pull_request")
        request.headers.add(name: "X-GitHub-Delivery", value: "bench-\(id)")
        request.headers.add(name: "X-Hub-Signature-256", value: signature)
        request.body = .bytes(ByteBuffer(data: payload))
        let start = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        let elapsed = ContinuousClock.now - start
        guard response.status == .accepted else { throw BenchmarkFailure("delivery \(id) answered \(response.status.code)") }
        return Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
    }

    /// `count` deliveries from `concurrency` senders; latencies and wall time.
    func run(count: Int, concurrency: Int) async throws -> (latencies: [Double], seconds: Double) {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for sender in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    for _ in stride(from: sender, to: count, by: concurrency) { samples.append(try await deliver()) }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let wall = ContinuousClock.now - start
        return (latencies, Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
    }

    func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

    _ = try await run(count: 500, concurrency: 4)  // warm-up: connections, JIT-free but caches and pools
    print("webhook received → key enqueued: \(deliveries) signed deliveries of pull_request.synchronize (\(payload.count) bytes)")
    print("| senders | p50 | p99 | max | deliveries/s |")
    print("|---|---|---|---|---|")
    for concurrency in [1, 4, 16] {
        let (latencies, seconds) = try await run(count: deliveries, concurrency: concurrency)
        print(
            String(
                format: "| %d | %.3f ms | %.3f ms | %.3f ms | %.0f |", concurrency, percentile(latencies, 0.5) * 1000,
                percentile(latencies, 0.99) * 1000, latencies.last! * 1000, Double(latencies.count) / seconds))
    }
    // The receiver alone (verify, de-duplicate, decode, enqueue), without HTTP.
    let direct = WebhookReceiver(secret: secret, queue: BoundedKeyQueue(capacity: 16))
    var samples: [Double] = []
    for index in 0..<deliveries {
        let start = ContinuousClock.now
        let reply = direct.receive(event: "pull_request", deliveryID: "direct-\(index)", signatureHeader: signature, body: payload)
        let elapsed = ContinuousClock.now - start
        guard reply.status == 202 else { throw BenchmarkFailure("direct delivery answered \(reply.status)") }
        samples.append(Double(elapsed.components.attoseconds) / 1e18)
    }
    samples.sort()
    print(String(format: "receiver alone (no HTTP): p50 %.1f µs, p99 %.1f µs", percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6))
    let outcomes = receiver.outcomes
    print(
        "outcomes: enqueued \(outcomes[.enqueued] ?? 0), coalesced \(outcomes[.coalesced] ?? 0), other \(outcomes.filter { $0.key != .enqueued && $0.key != .coalesced }.values.reduce(0, +))"
    )
    queue.close()
    await consumer.value
    try await http.shutdown()
    await server.stop()
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
