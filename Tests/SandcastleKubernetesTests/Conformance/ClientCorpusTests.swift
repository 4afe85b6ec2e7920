import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// The client against what a real kube-apiserver 1.32 sent (`Fixtures/kubernetes/exchanges`):
/// every recorded error decodes into its classified `Status` with its causes, every recorded
/// watch line into its event (an `ERROR` into its `Status`), and the client's calls, played back
/// the recorded bytes, return what Sandcastle relies on.
@Suite("The Kubernetes client reads what the real server sent")
struct ClientCorpusTests {
    /// What a recorded error must become: its classified reason and what the reconciler does.
    static func expectedReason(_ exchange: RecordedExchange, _ body: ManifestObject?) -> KubernetesStatus.Reason {
        if exchange.file.hasPrefix("047") || exchange.file.hasPrefix("048") || exchange.file.hasPrefix("049") {
            return .invalid  // "field not declared in schema": the request is wrong, not the server
        }
        switch body?["reason"]?.string {
        case "NotFound": return .notFound
        case "AlreadyExists": return .alreadyExists
        case "Conflict": return .conflict
        case "Forbidden": return .forbidden
        case "Invalid": return .invalid
        case "BadRequest": return .badRequest
        case "InternalError", "Timeout": return .serverError
        case "Expired": return .other("Expired")
        default: return exchange.status == 404 ? .notFound : .serverError
        }
    }

    @Test func everyRecordedErrorDecodesIntoItsClassifiedStatus() throws {
        let errors = try RecordedExchange.corpus().filter { $0.status >= 400 }
        #expect(errors.count >= 45)
        for exchange in errors {
            let data: Data = if case .string(let text) = exchange.responseBody { Data(text.utf8) } else { Data(exchange.responseBody.canonicalJSONBytes) }
            let status = KubernetesStatus.failure(data, code: exchange.status, request: exchange.file)
            #expect(status.code == exchange.status, "\(exchange.file)")
            #expect(status.reason == Self.expectedReason(exchange, exchange.responseObject), "\(exchange.file): \(status.reason)")
            let causes = (exchange.responseObject?.value(at: "details.causes")?.array ?? []).compactMap(\.object)
            #expect(status.causes.map(\.field) == causes.map { $0["field"]?.string ?? "" }, "\(exchange.file)")
            #expect(status.causes.map(\.reason) == causes.map { $0["reason"]?.string ?? "" }, "\(exchange.file)")
        }
    }

    /// What the reconciler makes of the errors a bundle or a cluster can cause.
    @Test(arguments: [
        ("047", ErrorDisposition.stalled), ("049", .stalled), ("056", .stalled), ("058", .stalled), ("062", .stalled), ("064", .stalled),
        ("067", .waiting), ("042", .transient), ("107", .transient), ("138", .transient), ("125", .stalled),
    ])
    func errorsAreClassifiedForTheReconciler(prefix: String, disposition: ErrorDisposition) throws {
        let exchange = try #require(try RecordedExchange.corpus().first { $0.file.hasPrefix(prefix) })
        let status = KubernetesStatus.failure(Data(exchange.responseBody.canonicalJSONBytes), code: exchange.status, request: exchange.file)
        #expect(KubernetesError.status(status).disposition == disposition, "\(exchange.file)")
    }

    @Test func everyRecordedWatchLineDecodes() throws {
        let watches = try RecordedExchange.corpus().filter { $0.isWatch && $0.status == 200 }
        #expect(watches.count == 7)
        for exchange in watches {
            for event in exchange.watchEvents ?? [] {
                let line = Data(ManifestValue.object(event).canonicalJSONBytes)
                let type = event["type"]?.string ?? ""
                if type == "ERROR" {
                    #expect(throws: KubernetesError.self, "\(exchange.file)") { _ = try WatchEvent.decode(line: line, request: exchange.file) }
                    do {
                        _ = try WatchEvent.decode(line: line, request: exchange.file)
                    } catch KubernetesError.status(let status) {
                        #expect(status.code == event.value(at: "object.code").flatMap { if case .int(let c) = $0 { c } else { nil } }, "\(exchange.file)")
                    }
                } else {
                    let decoded = try WatchEvent.decode(line: line, request: exchange.file)
                    #expect(decoded.kind.rawValue == type, "\(exchange.file)")
                    #expect(decoded.resourceVersion == event.value(at: "object.metadata.resourceVersion")?.string, "\(exchange.file)")
                }
            }
        }
    }

    /// The client's calls, answered with the recorded bytes.
    @Test func theClientsCallsReadTheRecordedAnswers() async throws {
        let corpus = try RecordedExchange.corpus()
        func pick(_ prefixes: String...) -> [RecordedExchange] { corpus.filter { e in prefixes.contains { e.file.hasPrefix($0) } } }
        let server = try await RecordedExchangeServer.start(
            pick("001", "004", "005", "006", "008", "010", "011", "013", "014", "042", "047", "067", "070", "071", "076", "091", "092", "097",
                "110", "121", "122", "141", "144", "145", "132", "136"))
        defer { Task { await server.stop() } }
        var options = KubernetesClientOptions()
        options.baseBackoff = 0.01
        let client = try KubernetesClient(config: KubeConfig(server: server.url, credentials: .token("t")), options: options)
        defer { Task { try? await client.shutdown() } }

        #expect(try await client.serverVersion() == "v1.32.0-beta.0")
        let namespace: ManifestObject = [
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": ["name": "rec-main", "labels": ["app.kubernetes.io/managed-by": "sandcastle", "sandcastle.dev/environment": "shop-pr-7"]],
        ]
        let created = try await client.apply(namespace, force: true)
        let unchanged = try await client.apply(namespace, force: true)
        #expect(created.value(at: "metadata.resourceVersion") == unchanged.value(at: "metadata.resourceVersion"))

        let config: ManifestObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "web-config", "namespace": "rec-main"]]
        await #expect {
            _ = try await client.apply(config, force: false)
        } throws: { error in
            guard case KubernetesError.status(let status) = error else { return false }
            return status.reason == .conflict && status.causes.map(\.field) == [".data.GREETING"]
        }
        // The typed-patch 500 is not retried: one request, classified invalid.
        let strict: ManifestObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "strict-cm", "namespace": "rec-main"]]
        await #expect {
            _ = try await client.apply(strict, force: true)
        } throws: { error in
            guard case KubernetesError.status(let status) = error else { return false }
            return status.reason == .invalid
        }
        #expect(server.served.filter { $0.hasSuffix("/configmaps/strict-cm") }.count == 1, "\(server.served)")
        let terminating: ManifestObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "new", "namespace": "rec-term"]]
        await #expect {
            _ = try await client.apply(terminating, force: true)
        } throws: { error in
            (error as? KubernetesError)?.disposition == .waiting
        }

        #expect(try await client.get(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", name: "web-config"))?.value(at: "data.GREETING") == .string("hello"))
        #expect(try await client.get(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", name: "nope")) == nil)
        // A Gateway API group that is not served: the kind is unknown, said before any request for it.
        await #expect(throws: KubernetesError.unknownType(apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute")) {
            _ = try await client.get(ResourceRef(apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "rec-main", name: "web"))
        }

        // One page of 500, items with their kind restored, the list's resourceVersion kept.
        let listed = try await client.listWithVersion(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", labelSelector: "rec/page=yes")
        #expect(listed.items.map { $0.value(at: "metadata.name")?.string ?? "" } == ["page-0", "page-1", "page-2", "page-3"])
        #expect(listed.items.allSatisfy { $0["kind"] == "ConfigMap" })
        #expect(listed.resourceVersion == "982")

        let lease = try #require(corpus.first { $0.file.hasPrefix("091") }?.requestBody.flatMap { try? ManifestValue.parseJSON(Data($0.utf8)).object })
        #expect(try await client.create(lease)["kind"] == "Lease")
        await #expect {
            _ = try await client.create(lease)
        } throws: { error in
            guard case KubernetesError.status(let status) = error else { return false }
            return status.reason == .alreadyExists
        }
        let stale = try #require(corpus.first { $0.file.hasPrefix("097") }?.requestBody.flatMap { try? ManifestValue.parseJSON(Data($0.utf8)).object })
        await #expect {
            _ = try await client.replace(stale)
        } throws: { error in
            guard case KubernetesError.status(let status) = error else { return false }
            return status.reason == .conflict
        }

        #expect(try await client.mayI("patch", "previewenvironments", group: "sandcastle.dev", namespace: nil))
        #expect(try await !client.mayI("list", "secrets", group: "", namespace: nil))

        let deployment = ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "rec-main", name: "web")
        #expect(try await client.delete(deployment, propagation: .foreground, uid: nil), "an object still being deleted is deleted")
        #expect(try await client.delete(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", name: "page-0"), propagation: .background, uid: nil))
        #expect(try await !client.delete(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", name: "nope"), propagation: .background, uid: nil))

        var events: [WatchEvent.Kind] = []
        for try await event in client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", resourceVersion: "1000", timeoutSeconds: 10) {
            events.append(event.kind)
        }
        #expect(events == [.added, .modified, .deleted, .bookmark])
        await #expect {
            for try await _ in client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", resourceVersion: "1", timeoutSeconds: 10) {}
        } throws: { error in
            guard case KubernetesError.status(let status) = error else { return false }
            return status.code == 410
        }
    }
}
