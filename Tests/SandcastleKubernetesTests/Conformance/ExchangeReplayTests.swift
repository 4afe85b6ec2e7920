import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Holds the fake API server to the real one: every exchange of the corpus recorded from a
/// kube-apiserver 1.32 (`Fixtures/kubernetes/exchanges`) is sent to the fake in recorded order
/// (the earlier exchanges are its setup) and the answers are compared by ``ExchangeComparison``.
/// A difference fails naming the file, unless ``ExchangeReplayTests/divergences`` lists it with
/// its reason; a listed difference that no longer occurs fails too, so the list stays true.
@Suite("The fake API server answers as the recorded kube-apiserver 1.32")
struct ExchangeReplayTests {
    /// The token the replay sends for the recorded ServiceAccount; the fake authorizes it with the
    /// rules `deploy/rbac.yaml` grants `sandcastle-system:sandcastle`.
    static let serviceAccountToken = "replay-serviceaccount-token"

    /// Where the fake still answers differently, by file, each difference's words and why it stays.
    static let divergences: [String: [(difference: String, why: String)]] = [
        "030-apply-deployment-unchanged.json": [
            ("resourceVersion moved", "the deployment controller stand-in writes its first status on the next request; the real one wrote it after the recorded re-apply")
        ],
        "036-apply-job-unchanged.json": [
            ("resourceVersion moved", "the job controller stand-in writes its first status on the next request; the real one wrote it after the recorded re-apply")
        ],
        "038-apply-pvc-unchanged.json": [
            ("resourceVersion unchanged", "the real server's first no-op re-apply of a claim writes once (a quirk it did not repeat); the fake's writes nothing")
        ],
        "089-list-events.json": [("items", "the stand-in controllers, scheduler and kubelet record no Events of their routine work")],
        "116-get-pod-running.json": [("resourceVersion unchanged", "the stand-in kubelet runs no bare Pod; the recording's kubelet marked it Running")],
        "117-pod-log.json": [
            ("status 200", "the recording's stand-in kubelet served no API (the server could not dial it); the fake answers as a reachable kubelet"),
            ("content type text/plain", "the same: a reachable kubelet's log is text"),
        ],
        "133-watch-cluster-wide-no-rv.json": [
            ("watch events", "etcd 3.4.23 lacks RequestWatchProgress; the fake answers as a supported etcd does (the client's handling of the recorded ERROR is tested on the recording)")
        ],
        "134-watch-previewenvironments.json": [("watch events", "the same etcd 3.4.23 limitation as 133")],
        "142-get-foreground-deleting.json": [
            ("status 404", "the fake's Deployment has no ReplicaSet, so foreground deletion has no dependent to wait for"),
            ("kind Status", "the same"),
        ],
        "150-watch-no-rv-no-bookmarks.json": [("watch events", "the same etcd 3.4.23 limitation as 133 (the 504 'Too large resource version')")],
    ]

    @Test func everyRecordedExchangeIsAnsweredAsTheRealServerDid() async throws {
        let corpus = try RecordedExchange.corpus()
        #expect(corpus.count == 150, "the corpus has 150 exchanges")
        let fake = FakeKubernetes()
        let rules = try FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml"])
        await fake.restrictAccess(user: "system:serviceaccount:sandcastle-system:sandcastle", rules: rules, token: Self.serviceAccountToken)
        let server = try await FakeKubernetesServer.start(fake)
        defer { Task { await server.stop() } }
        var memory = ReplayMemory()
        var report: [String] = []
        // The recorded cluster's controllers: Deployments become available and Jobs complete when
        // the recording shows they had (``ReplaySetup``), not by the clock.
        await fake.simulateWorkloads(WorkloadSimulation(readyAfter: 3600))
        for exchange in corpus {
            // Time passes between requests, as it did while recording: the controllers catch up.
            await fake.settle()
            try await ReplaySetup.before(exchange, corpus: corpus, fake: fake)
            let answer = try await Self.send(exchange, to: server.url, memory: memory)
            var found = ExchangeComparison.differences(exchange, answer, memory: &memory)
            memory.learn(exchange.responseBody, answer.body)
            let expected = Self.divergences[exchange.file] ?? []
            for known in expected where !found.contains(where: { $0.contains(known.difference) }) {
                report.append("\(exchange.file): listed as different (\(known.difference)) but the fake now answers as the real server: remove it")
            }
            found.removeAll { difference in expected.contains { difference.contains($0.difference) } }
            report += found.map { "\(exchange.file): \($0)" }
        }
        #expect(report.isEmpty, "\(report.count) differences:\n\(report.joined(separator: "\n"))")
    }

    /// Sends `exchange`'s request as the client does, with the real server's values translated.
    static func send(_ exchange: RecordedExchange, to base: String, memory: ReplayMemory) async throws -> ReplayedAnswer {
        var query = exchange.query
        for key in ["resourceVersion", "continue"] { if let value = query[key], let fake = memory.translation[value] { query[key] = fake } }
        // The fake's watches run to their timeout: at most 3 s keeps the replay short and still
        // leaves room for the bookmark the watch cache sends 2 s before the end.
        if exchange.isWatch, let timeout = Int(query["timeoutSeconds"] ?? ""), timeout > 3 { query["timeoutSeconds"] = "3" }
        var url = base + exchange.path
        if !query.isEmpty {
            url += "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: exchange.method)
        for (name, value) in exchange.requestHeaders { request.headers.add(name: name, value: value) }
        if exchange.identity == "sandcastle-serviceaccount" { request.headers.add(name: "Authorization", value: "Bearer \(serviceAccountToken)") }
        if let body = exchange.requestBody { request.body = .bytes(ByteBuffer(string: memory.translateBody(body))) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        var bytes = try await response.body.collect(upTo: 16 << 20)
        let data = bytes.readData(length: bytes.readableBytes) ?? Data()
        var headers: [String: String] = [:]
        for field in response.headers { headers[field.name.lowercased()] = headers[field.name.lowercased()].map { $0 + ", " + field.value } ?? field.value }
        let body: ManifestValue
        if exchange.isWatch, response.status.code == 200 {
            body = .array(String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? ManifestValue.parseJSON(Data($0.utf8)) })
        } else if let json = try? ManifestValue.parseJSON(data) {
            body = json
        } else {
            body = .string(String(decoding: data, as: UTF8.self))
        }
        return ReplayedAnswer(status: Int(response.status.code), headers: headers, body: body)
    }

    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
