import Foundation
import Logging
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

@Suite("Cluster watcher")
struct ClusterWatcherTests {
    /// Changes to what a preview is made of enqueue that preview; the controller's own status
    /// writes on its PreviewEnvironment do not; a watch the server ends is resumed.
    @Test func changesEnqueueTheirPreviewAndStatusWritesDoNot() async throws {
        try await KubeHarness.with { h in
            let preview = try Make.preview(4)
            _ = try await h.sink.applyPreview(preview)
            let watcher = ClusterWatcher(client: h.client, repositories: [Make.repository], logger: Logger(label: "test"), timeoutSeconds: 1)
            let keys = LockedValue([PreviewKey]())
            let task = Task { for await key in watcher.changes() { keys.withLock { $0.append(key) } } }
            defer { task.cancel() }
            // The initial lists: every object of the preview names it.
            let listed = await eventually(10) { keys.withLock { $0 }.contains(preview.key) }
            #expect(listed, "the initial lists name the preview")
            try await Task.sleep(for: .milliseconds(300))
            keys.withLock { $0 = [] }

            try await h.sink.record(preview.key, status: PreviewStatus(phase: .deploying, message: "rolling out"))
            try await h.sink.recordReported(preview.key, ReportRecord(sha: preview.sha, summary: "pending"))
            try await Task.sleep(for: .milliseconds(500))
            #expect(keys.withLock { $0 }.isEmpty, "status writes are the controller's own: \(keys.withLock { $0 })")

            // After the server ended the first watches (1 s), a deleted Deployment still arrives.
            try await Task.sleep(for: .seconds(1.2))
            let deployment = try #require(preview.objects.first { $0.kind == "Deployment" })
            _ = try await h.client.delete(
                ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: preview.names.namespace, name: deployment.name),
                propagation: .background, uid: nil)
            let resumed = await eventually(10) { keys.withLock { $0 }.contains(preview.key) }
            #expect(resumed, "a deletion after the server ended the watch still names the preview")
        }
    }

    /// A repository that starts copying a Secret from a namespace nobody copied from at start
    /// gets that namespace watched without a restart: a change of the source reaches its previews.
    @Test func aSecretSourceAddedToTheCatalogWhileRunningIsWatched() async throws {
        try await KubeHarness.with { h in
            let catalog = RepositoryList([RepositoryConfig(name: Make.repository, settings: .builtin)])
            let watcher = ClusterWatcher(
                client: h.client, catalog: catalog, logger: Logger(label: "test"), timeoutSeconds: 5, catalogRecheck: .milliseconds(100),
                previews: { repository in repository == Make.repository ? [Make.key(5)] : [] })
            let keys = LockedValue([PreviewKey]())
            let task = Task { for await key in watcher.changes() { keys.withLock { $0.append(key) } } }
            defer { task.cancel() }
            func putSource(_ value: String) async throws {
                _ = try await h.client.apply(
                    [
                        "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db", "namespace": "preview-secrets"],
                        "stringData": ["password": .string(value)],
                    ], force: true)
            }
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "preview-secrets"]], force: true)
            try await putSource("one")
            try await Task.sleep(for: .milliseconds(400))
            #expect(!keys.withLock { $0 }.contains(Make.key(5)), "nobody copies from preview-secrets yet")

            var settings = PreviewSettings.builtin
            settings.secrets = [SecretCopy(sourceNamespace: "preview-secrets", sourceName: "db", name: "db")]
            catalog.replace(with: [RepositoryConfig(name: Make.repository, settings: settings)])
            let listed = await eventually(10) { keys.withLock { $0 }.contains(Make.key(5)) }
            #expect(listed, "the new watch's first listing compares the copy with its source")
            keys.withLock { $0 = [] }
            try await putSource("two")
            let changed = await eventually(10) { keys.withLock { $0 }.contains(Make.key(5)) }
            #expect(changed, "a change of the source reaches the repository's previews")
        }
    }

    @Test func objectsOfUnconfiguredRepositoriesOrWithoutLabelsNameNoPreview() async throws {
        let client = try KubernetesClient(config: KubeConfig(server: "http://127.0.0.1:1", credentials: .token("t")))
        let watcher = ClusterWatcher(client: client, repositories: [Make.repository], logger: Logger(label: "test"))
        let labels = Ownership.labels(for: Make.key(7))
        #expect(watcher.key(of: ["kind": "Pod", "metadata": ["labels": .strings(labels)]]) == Make.key(7))
        var other = labels
        other[Ownership.repositoryLabel] = "someone.else"
        #expect(watcher.key(of: ["kind": "Pod", "metadata": ["labels": .strings(other)]]) == nil)
        #expect(watcher.key(of: ["kind": "Pod", "metadata": ["name": "x"]]) == nil)
        try await client.shutdown()
    }
}
