import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("Watch")
struct WatchTests {
    @Test func aRealWatchStreamDecodes() throws {
        var splitter = LineSplitter()
        let data = try Fixtures.data("kubernetes/watch-configmaps.jsonl")
        // Delivered in arbitrary chunks, as a network would.
        var lines: [Data] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + 97, data.count)
            lines += splitter.lines(data.subdata(in: offset..<end))
            offset = end
        }
        let events = try lines.map { try WatchEvent.decode(line: $0, request: "GET /w") }
        #expect(events.map(\.kind) == [.added, .added, .added, .modified, .deleted])
        #expect(events.allSatisfy { $0.resourceVersion != nil })
        let gone = Data(
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"#
                .utf8)
        #expect(throws: KubernetesError.self) { try WatchEvent.decode(line: gone, request: "GET /w") }
    }

    @Test func watchesChangesOnTheFake() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "w"]], force: true)
            _ = try await h.client.apply(ClientTests.configMap("before", namespace: "w"), force: true)
            // Long enough for a loaded machine: the loop below stops after three events anyway.
            let stream = h.client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: "w", timeoutSeconds: 30)
            var iterator = stream.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            #expect(first.kind == .added && first.object.value(at: "metadata.name")?.string == "before")
            _ = try await h.client.apply(ClientTests.configMap("during", namespace: "w"), force: true)
            _ = try await h.client.apply(ClientTests.configMap("during", namespace: "w", data: "2"), force: true)
            _ = try await h.client.delete(ResourceRef(ClientTests.configMap("during", namespace: "w")), propagation: .background, uid: nil)
            var kinds: [WatchEvent.Kind] = []
            while kinds.count < 3, let event = try await iterator.next() {
                #expect(event.object.value(at: "metadata.name")?.string == "during")
                kinds.append(event.kind)
            }
            #expect(kinds == [.added, .modified, .deleted])
        }
    }

    @Test func resumingFromAResourceVersionSkipsWhatWasSeen() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "w"]], force: true)
            let seen = try await h.client.apply(ClientTests.configMap("a", namespace: "w"), force: true)
            _ = try await h.client.apply(ClientTests.configMap("b", namespace: "w"), force: true)
            var iterator = h.client.watch(
                apiVersion: "v1", kind: "ConfigMap", namespace: "w", resourceVersion: seen.value(at: "metadata.resourceVersion")?.string,
                timeoutSeconds: 2
            ).makeAsyncIterator()
            let next = try #require(try await iterator.next())
            #expect(next.kind == .added && next.object.value(at: "metadata.name")?.string == "b")
        }
    }
}
