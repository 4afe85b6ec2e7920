import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("Cluster sink: apply, prune, teardown")
struct ClusterSinkTests {
    typealias H = KubeHarness

    static func ns(_ preview: RenderedPreview) -> ResourceRef { ResourceRef(apiVersion: "v1", kind: "Namespace", name: preview.names.namespace) }

    @Test func applyCreatesEverythingOwnedAndRecordsTheInventory() async throws {
        try await H.with { h in
            let preview = try Make.preview(42)
            let report = try await h.sink.applyPreview(preview)
            #expect(!report.unchanged && report.applied == preview.objects.count)
            let environment = try #require(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)))
            let uid = try #require(environment.value(at: "metadata.uid")?.string)
            // The applier writes no lifecycle status: the planner judges the workloads and records it.
            #expect(environment.value(at: "status.phase") == nil)
            #expect(environment.value(at: "status.deployStartedAt")?.string != nil)
            #expect(environment.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] == preview.contentHash)
            #expect(PreviewEnvironment.inventory(of: environment).count == preview.objects.count - 1)
            #expect(environment.value(at: "status.conditions") == nil)
            let namespace = try #require(await h.fake.object(Self.ns(preview)))
            #expect(namespace.value(at: "metadata.ownerReferences")?.array?.first?.object?["uid"]?.string == uid)
            let contents = await h.fake.allObjects(namespace: preview.names.namespace)
            #expect(contents.count == preview.objects.count - 1)
            #expect(contents.allSatisfy { ClusterSink.isOwned($0, uid: uid) })
            // Applied in dependency order: the namespace before anything in it, workloads last.
            let patches = await h.fake.requests.filter { $0.method == "PATCH" && !$0.path.contains("previewenvironments") }.map(\.path)
            #expect(patches.first == "/api/v1/namespaces/\(preview.names.namespace)")
            #expect(patches.firstIndex { $0.contains("/deployments/") }! > patches.firstIndex { $0.contains("/configmaps/") }!)
            let observed = try await h.sink.environments()
            #expect(observed.map(\.key) == [preview.key])
            #expect(observed[0].contentHash == preview.contentHash && observed[0].sha == preview.sha)
        }
    }

    @Test func anUnchangedReapplyWritesNothing() async throws {
        try await H.with { h in
            let preview = try Make.preview(1)
            _ = try await h.sink.applyPreview(preview)
            await h.fake.resetRequests()
            h.client.resetRequestCounts()
            let report = try await h.sink.applyPreview(preview)
            #expect(report.unchanged)
            #expect(await h.fake.writeRequests.isEmpty)
            // Reads only: the PreviewEnvironment, the namespace, and one list per recorded kind (drift).
            let kinds = Set(preview.objects.filter { $0.kind != "Namespace" }.map(\.kind)).count
            #expect(h.client.requestCounts == ["GET": 2 + kinds])
        }
    }

    /// `sandcastle apply` (and the controller) restores what was deleted or edited by hand; an
    /// intact preview still costs no writes.
    @Test func driftIsRestoredAndOnlyDriftIsWritten() async throws {
        try await H.with { h in
            let preview = try Make.preview(2)
            _ = try await h.sink.applyPreview(preview)
            let namespace = preview.names.namespace
            let deployment = try #require(preview.objects.first { $0.kind == "Deployment" })
            let deploymentRef = ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: deployment.name)
            let configRef = ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: "config-0")
            _ = try await h.client.delete(configRef, propagation: .background, uid: nil)
            var edited = try #require(await h.fake.object(deploymentRef))
            edited.set(5, at: "spec.replicas")
            _ = try await h.client.replace(edited)
            let drift = try #require(try await h.sink.observe(preview.key)).drift
            #expect(drift == ["Deployment/\(deployment.name) was changed by hand", "ConfigMap/config-0 is missing"])

            await h.fake.resetRequests()
            let report = try await h.sink.applyPreview(preview)
            #expect(!report.unchanged && report.applied == 2)
            let objectWrites = await h.fake.writeRequests.filter { !$0.path.contains("previewenvironments") && !$0.path.contains("/events") }
            #expect(
                objectWrites.map(\.path).sorted() == [
                    "/api/v1/namespaces/\(namespace)/configmaps/config-0", "/apis/apps/v1/namespaces/\(namespace)/deployments/\(deployment.name)",
                ])
            #expect(await h.fake.object(configRef) != nil)
            #expect(await h.fake.object(deploymentRef)?.value(at: "spec.replicas") == deployment.object.value(at: "spec.replicas"))
            #expect(try await h.sink.observe(preview.key)?.drift == [])
            await h.fake.resetRequests()
            #expect(try await h.sink.applyPreview(preview).unchanged)
            #expect(await h.fake.writeRequests.isEmpty)
        }
    }

    @Test func aClaimOnAForeignNamespaceCreatesNothing() async throws {
        try await H.with { h in
            let preview = try Make.preview(3)
            _ = try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(preview.names.namespace)]])
            await #expect(throws: KubernetesError.nameConflict(namespace: preview.names.namespace)) { try await h.sink.claim(preview) }
            #expect(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)) == nil)
        }
    }

    @Test func aChangedSetUpdatesAndPrunes() async throws {
        try await H.with { h in
            _ = try await h.sink.applyPreview(try Make.preview(1, configMaps: 4, version: "1"))
            let changed = try Make.preview(1, configMaps: 2, version: "2")
            let report = try await h.sink.applyPreview(changed)
            #expect(report.pruned.sorted() == ["ConfigMap/pr-1-shop/config-2", "ConfigMap/pr-1-shop/config-3"])
            let maps = await h.fake.allObjects(namespace: changed.names.namespace).filter {
                $0["kind"]?.string == "ConfigMap" && $0.value(at: "metadata.name")?.string != PreviewExposure.identityName
            }
            #expect(maps.compactMap { $0.value(at: "metadata.name")?.string } == ["config-0", "config-1"])
            #expect(maps.allSatisfy { $0.value(at: "data.version")?.string == "2" })
            let environment = try #require(await h.fake.object(PreviewEnvironment.ref(changed.names.namespace)))
            #expect(environment.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] == changed.contentHash)
        }
    }

    @Test func pruneLeavesObjectsThatAreNoLongerOurs() async throws {
        try await H.with { h in
            let first = try Make.preview(1, configMaps: 2)
            _ = try await h.sink.applyPreview(first)
            // Someone took config-1 over (another UID annotation): it must survive the prune.
            var taken = try #require(await h.fake.object(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-1-shop", name: "config-1")))
            taken.set(.string("someone-else"), at: "metadata.annotations.sandcastle\\.dev/preview-uid")
            var annotations = taken.value(at: "metadata.annotations")?.object ?? ManifestObject()
            annotations[PreviewEnvironment.uidAnnotation] = "someone-else"
            taken.set(.object(annotations), at: "metadata.annotations")
            try await h.fake.seed(taken)
            let report = try await h.sink.applyPreview(try Make.preview(1, configMaps: 1))
            #expect(report.skipped == ["ConfigMap/pr-1-shop/config-1"])
            #expect(report.pruned.isEmpty)
            #expect(await h.fake.object(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-1-shop", name: "config-1")) != nil)
        }
    }

    @Test func aNamespaceSandcastleDidNotCreateIsNeverAdopted() async throws {
        try await H.with { h in
            let preview = try Make.preview(7)
            try await h.fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(preview.names.namespace)]])
            await #expect(throws: KubernetesError.nameConflict(namespace: preview.names.namespace)) { _ = try await h.sink.applyPreview(preview) }
            let namespace = try #require(await h.fake.object(Self.ns(preview)))
            #expect(namespace.value(at: "metadata.ownerReferences") == nil)
            #expect(await h.fake.allObjects(namespace: preview.names.namespace).isEmpty)
            #expect(await h.fake.writeRequests.isEmpty)
        }
    }

    @Test func teardownWaitsUntilTheNamespaceIsGone() async throws {
        try await H.with { h in
            await h.fake.setNamespaceDeletionDelay(0.3)
            let preview = try Make.preview(3)
            _ = try await h.sink.applyPreview(preview)
            let report = try await h.tearDown(preview.key)
            #expect(report.gone)
            #expect(await h.fake.object(Self.ns(preview)) == nil)
            #expect(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)) == nil)
            #expect(await h.fake.leftovers().isEmpty)
            #expect(try await h.sink.environments().isEmpty)
            // Tearing down what is gone is harmless.
            #expect(try await h.tearDown(preview.key).gone)
        }
    }

    @Test func aStuckNamespaceIsReportedAndFinalizersAreNeverStripped() async throws {
        try await H.with { h in
            let preview = try Make.preview(5)
            _ = try await h.sink.applyPreview(preview)
            let widget = try await h.seedHeldWidget(in: preview.names.namespace)
            let report = try await h.tearDown(preview.key)
            #expect(!report.gone)
            #expect(report.namespaceConditions.contains { $0.type == "NamespaceFinalizersRemaining" && $0.status })
            let environment = try #require(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)))
            #expect(environment.value(at: "status.phase")?.string == "Terminating")
            #expect((environment.value(at: "status.namespaceConditions")?.array ?? []).count == 5)
            let stalled = (environment.value(at: "status.conditions")?.array ?? []).compactMap(\.object).first { $0["type"]?.string == PreviewConditionType.ready.rawValue }
            #expect(stalled?["reason"]?.string == "SomeResourcesRemain" || stalled?["reason"]?.string == "SomeFinalizersRemain")
            let held = try #require(await h.fake.object(ResourceRef(widget)))
            #expect(held.value(at: "metadata.finalizers")?.array == ["example.com/hold"])
            #expect(try await h.tearDown(preview.key, timeout: 0.2).gone == false)
            // Once the widget's controller lets go, the next teardown completes.
            await h.fake.removeFinalizers(ResourceRef(widget))
            #expect(try await h.tearDown(preview.key).gone)
            #expect(await h.fake.leftovers().isEmpty)
        }
    }

    @Test func teardownRefusesANamespaceThatIsNotThisPreviews() async throws {
        try await H.with { h in
            let preview = try Make.preview(9)
            _ = try await h.sink.applyPreview(preview)
            var namespace = try #require(await h.fake.object(Self.ns(preview)))
            var annotations = namespace.value(at: "metadata.annotations")?.object ?? ManifestObject()
            annotations[PreviewEnvironment.uidAnnotation] = "another-preview"
            namespace.set(.object(annotations), at: "metadata.annotations")
            try await h.fake.seed(namespace)
            await #expect(throws: KubernetesError.nameConflict(namespace: preview.names.namespace)) { _ = try await h.tearDown(preview.key) }
            #expect(await h.fake.object(Self.ns(preview))?.value(at: "metadata.deletionTimestamp") == nil)
        }
    }

    @Test func deletingThePreviewEnvironmentCascadesToTheNamespace() async throws {
        try await H.with { h in
            let preview = try Make.preview(11)
            _ = try await h.sink.applyPreview(preview)
            _ = try await h.client.delete(PreviewEnvironment.ref(preview.names.namespace), propagation: .background, uid: nil)
            #expect(await h.fake.object(Self.ns(preview)) == nil)
            #expect(await h.fake.leftovers().isEmpty)
        }
    }

    @Test func aFailedApplyMarksThePreviewStalled() async throws {
        try await H.with(
            options: {
                var options = KubernetesClientOptions.fast
                options.maxAttempts = 1
                return options
            }()
        ) { h in
            let preview = try Make.preview(13)
            await h.fake.inject(FakeKubernetesFault(.status(403, reason: "Forbidden"), method: "PATCH", pathContains: "/deployments/"))
            await #expect(throws: KubernetesError.self) { _ = try await h.sink.applyPreview(preview) }
            let environment = try #require(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)))
            // The failure is the applier's to record; Failed is the planner's (ReconcilerTests).
            #expect(environment.value(at: "status.applyFailure")?.string?.contains("Forbidden") == true)
            #expect(environment.value(at: "status.phase") == nil)
            #expect(try await h.sink.observe(preview.key)?.applyFailure != nil)
            #expect(environment.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] == nil)
            // The next attempt completes it.
            let report = try await h.sink.applyPreview(preview)
            #expect(!report.unchanged)
            let recovered = await h.fake.object(PreviewEnvironment.ref(preview.names.namespace))
            #expect(recovered?.value(at: "status.applyFailure") == nil)
        }
    }
}

@Suite("Reporting problems on the PreviewEnvironment")
struct ReportingProblemTests {
    @Test func aRefusedCommentIsRecordedAndSurvivesTheNextStatusWrite() async throws {
        try await KubeHarness.with { h in
            let preview = try Make.preview(4)
            _ = try await h.sink.applyPreview(preview)
            try await h.sink.recordReportingProblem(preview.key, problem: "GitHub refused the sticky comment: HTTP 422: body is too long")
            // The controller writes the status again (a new commit): the problem stays until cleared.
            _ = try await h.sink.applyPreview(try Make.preview(4, version: "2"))
            try await h.sink.record(preview.key, status: .applied(.deploying, sha: preview.sha, message: "rolling out", workloads: (false, "RollingOut", "rolling out")))
            let stored = try #require(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace)))
            #expect(stored.value(at: "status.reportingProblem")?.string == "GitHub refused the sticky comment: HTTP 422: body is too long")
            #expect(stored.value(at: "status.phase")?.string == "Deploying")
            try await h.sink.recordReportingProblem(preview.key, problem: nil)
            #expect(await h.fake.object(PreviewEnvironment.ref(preview.names.namespace))?.value(at: "status.reportingProblem") == nil)
        }
    }
}

@Suite("Cluster-scoped kinds from discovery")
struct DiscoveryScopeTests {
    /// A kind the renderer's fixed list does not know, served cluster-scoped by this cluster (a
    /// CRD), is refused before anything is written.
    @Test func aClusterScopedCustomKindIsRefusedBeforeAnyWrite() async throws {
        try await KubeHarness.with { h in
            await h.fake.addType(.init(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: false))
            var preview = try Make.preview(5)
            let widget = Manifest(
                object: [
                    "apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "namespace": .string(preview.names.namespace)],
                ],
                source: "widget.yaml")
            preview = preview.adding([widget])
            await h.fake.resetRequests()
            do {
                _ = try await h.sink.applyPreview(preview)
                Issue.record("a cluster-scoped kind was applied")
            } catch {
                #expect("\(error)".contains("Widget/w (example.com/v1): cluster-scoped on this cluster (discovery)"), "\(error)")
            }
            #expect(await h.fake.writeRequests.isEmpty, "nothing written")
        }
    }
}

@Suite("sandcastle teardown writes status only through the planner's record step")
struct OperatorTeardownStatusTests {
    @Test func aStuckThenCompletedTeardownRecordsEachStatusThroughRecord() async throws {
        try await KubeHarness.with { h in
            let preview = try Make.preview(21)
            _ = try await h.sink.applyPreview(preview)
            let widget = try await h.seedHeldWidget(in: preview.names.namespace)
            let stuck = try await h.tearDown(preview.key, timeout: 0.3)
            await h.fake.removeFinalizers(ResourceRef(widget))
            let done = try await h.tearDown(preview.key)
            #expect(!stuck.gone && done.gone)
            let records = (stuck.steps + done.steps).filter { if case .record = $0 { true } else { false } }
            #expect(!records.isEmpty)
            let writes = await h.fake.requests.filter {
                $0.method == "PATCH" && $0.path.hasSuffix("/previewenvironments/\(preview.names.namespace)/status") && $0.status < 300
            }
            let lifecycle = writes.filter { String(decoding: $0.body, as: UTF8.self).contains("\"phase\"") }
            #expect(lifecycle.count == records.count, "one lifecycle write per record step")
            #expect(lifecycle.allSatisfy { $0.query.contains("fieldManager=sandcastle-lifecycle") })
        }
    }
}
