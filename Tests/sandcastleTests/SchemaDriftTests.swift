import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// The fake API server and the official schemas cannot drift apart: every object Sandcastle writes
/// (the Lease, its Event, a preview's Namespace, baselines and bundle, the PreviewEnvironment and
/// each status it sets) is accepted by the fake and by the official Kubernetes OpenAPI schemas
/// (`kubernetes-validate`) or, for the PreviewEnvironment, the CRD's own schema; broken ones are
/// refused by both; and the fake's table of `Time`/`MicroTime` fields is the official one.
@Suite struct SchemaDriftTests {
    static let root = repositoryRoot(from: #filePath)

    @Test func everyObjectSandcastleWritesPassesTheFakeAndTheOfficialSchemas() async throws {
        let server = try await FakeKubernetesServer.start()
        let fake = server.kubernetes
        var options = KubernetesClientOptions()
        options.maxAttempts = 1
        let client = try KubernetesClient(config: KubeConfig(server: server.url), options: options)
        try await fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]])

        // Leader election: create, renew, the "became leader" Event.
        let elector = LeaderElector(client: client, namespace: "sandcastle-system", identity: "replica-a")
        #expect(await elector.tryAcquireOrRenew())
        #expect(await elector.tryAcquireOrRenew())
        #expect(await eventually(10) { await fake.allObjects(namespace: "sandcastle-system").contains { $0["kind"]?.string == "Event" } })

        // A preview: applied (Ready), a failed apply (Failed), torn down (Terminating), each status
        // recorded as the planner records it.
        let sink = ClusterSink(client: client)
        let sha = Make.sha
        _ = try await sink.applyPreview(try Make.preview(7))
        let generation = try await sink.observe(Make.key(7))?.generation
        var ready = PreviewStatus.applied(
            .ready, sha: sha, message: "ready at https://shop-pr-7.preview.example.com", workloads: (true, "Available", "every workload is available"),
            ready: ("Ready", "https://shop-pr-7.preview.example.com"), lines: ["Deployment/web": "Ready"])
        ready.observedGeneration = generation
        try await sink.record(Make.key(7), status: ready)
        await fake.inject(FakeKubernetesFault(.status(500, reason: "InternalError"), method: "PATCH", pathContains: "/configmaps/", times: 50))
        await #expect(throws: (any Error).self) { _ = try await sink.applyPreview(try Make.preview(7, version: "2")) }
        try await sink.record(Make.key(7), status: .notApplied(.failed, "apply to namespace pr-7-shop: HTTP 500", reason: "ApplyFailed"))
        try await sink.deleteNamespace(Make.key(7), reason: "the pull request is closed")
        let held = [NamespaceCondition(type: "NamespaceContentRemaining", status: true, reason: "SomeResourcesRemain", message: "widgets: 1")]
        try await sink.record(Make.key(7), status: .tearingDown("namespace pr-7-shop is terminating", namespace: held))
        try await sink.forget(Make.key(7))

        let writes = await fake.requests.filter { ["POST", "PUT", "PATCH"].contains($0.method) }
        let refused = writes.filter { $0.status >= 300 && $0.status != 500 }
        #expect(refused.isEmpty, "the fake refused \(refused.map { "\($0.method) \($0.path) \($0.status)" })")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var builtIn: [String] = []
        var custom: [String] = []
        var kinds: Set<String> = []
        for (index, write) in writes.enumerated() where write.status < 300 {
            let object = try #require(try ManifestValue.parseJSON(write.body).object, "\(write.path)")
            let kind = object["kind"]?.string ?? "?"
            kinds.insert(kind)
            let file = "\(dir.path)/\(String(format: "%03d", index))-\(kind).json"
            try Data(write.body).write(to: URL(fileURLWithPath: file))
            if kind == PreviewEnvironment.kind { custom.append(file) } else { builtIn.append(file) }
        }
        let expected: Set<String> = [
            "Lease", "Event", "Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "ServiceAccount", "ConfigMap", "Deployment",
            "Service", "PreviewEnvironment",
        ]
        #expect(expected.isSubset(of: kinds), "written: \(kinds.sorted())")
        let official = try await Subprocess.runDetached(
            "/usr/bin/env", ["python3", "-m", "kubernetes_validate", "--strict", "--quiet", "-k", "1.32.0"] + builtIn)
        #expect(official.status == 0, "kubernetes-validate: \(official.stdout) \(official.stderr)")
        let schemaFile = dir.path + "/crd-schema.json"
        try Data(ManifestValue.object(PreviewEnvironmentDefinition.schema).canonicalJSONBytes).write(to: URL(fileURLWithPath: schemaFile))
        let crd = try await Subprocess.runDetached("/usr/bin/env", ["python3", Self.root + "/scripts/check-crd-objects.py", schemaFile] + custom)
        #expect(crd.status == 0, "the CRD schema: \(crd.stdout) \(crd.stderr)")
        #expect(custom.count >= 4)
        try await client.shutdown()
        await server.stop()
    }

    /// Broken PreviewEnvironments: the fake answers `422 Invalid` naming the field, and the CRD's
    /// schema refuses each too.
    @Test(arguments: [
        ("spec.pullRequest", #"{"pullRequest": "7"}"#, "FieldValueTypeInvalid"),
        ("spec.headSHA", #"{"headSHA": "not-a-sha"}"#, "FieldValueInvalid"),
        ("spec.pullRequest", #"{"pullRequest": 0}"#, "FieldValueInvalid"),
        ("spec.namespace", #"{"namespace": "\#(String(repeating: "n", count: 64))"}"#, "FieldValueTooLong"),
    ])
    func brokenSpecsAreRefusedByTheFakeAndTheSchema(field: String, patch: String, reason: String) async throws {
        var spec: ManifestObject = [
            "repository": "acme/shop", "pullRequest": 7, "headSHA": .string(String(repeating: "a", count: 40)), "namespace": "pr-7-shop",
        ]
        for pair in try ManifestValue.parseJSON(Data(patch.utf8)).object!.pairs { spec[pair.key] = pair.value }
        let object: ManifestObject = [
            "apiVersion": .string(PreviewEnvironment.apiVersion), "kind": .string(PreviewEnvironment.kind), "metadata": ["name": "pr-7-shop"],
            "spec": .object(spec),
        ]
        try await expectRefusedByBoth(object, field: field, reason: reason, status: false)
    }

    @Test(arguments: [
        ("status.phase", #"{"phase": "Exploding"}"#, "FieldValueNotSupported"),
        ("status.conditions[0].type", #"{"conditions": [{"type": "Stalled", "status": "True"}]}"#, "FieldValueNotSupported"),
        ("status.conditions[0].status", #"{"conditions": [{"type": "Ready", "status": true}]}"#, "FieldValueTypeInvalid"),
        ("status.lastUpdateTime", #"{"lastUpdateTime": "yesterday"}"#, "FieldValueInvalid"),
    ])
    func brokenStatusesAreRefusedByTheFakeAndTheSchema(field: String, status: String, reason: String) async throws {
        let object: ManifestObject = [
            "apiVersion": .string(PreviewEnvironment.apiVersion), "kind": .string(PreviewEnvironment.kind), "metadata": ["name": "pr-7-shop"],
            "status": try ManifestValue.parseJSON(Data(status.utf8)),
        ]
        try await expectRefusedByBoth(object, field: field, reason: reason, status: true)
    }

    private func expectRefusedByBoth(_ object: ManifestObject, field: String, reason: String, status: Bool) async throws {
        let server = try await FakeKubernetesServer.start()
        let client = try KubernetesClient(config: KubeConfig(server: server.url))
        if status {
            _ = try await client.apply(
                [
                    "apiVersion": .string(PreviewEnvironment.apiVersion), "kind": .string(PreviewEnvironment.kind), "metadata": ["name": "pr-7-shop"],
                    "spec": [
                        "repository": "acme/shop", "pullRequest": 7, "headSHA": .string(String(repeating: "a", count: 40)), "namespace": "pr-7-shop",
                    ],
                ], force: true)
        }
        do {
            _ = try await (status ? client.applyStatus(object) : client.apply(object, force: true))
            Issue.record("the fake accepted \(object)")
        } catch KubernetesError.status(let answer) {
            #expect(answer.code == 422)
            #expect(answer.reason == .invalid)
            #expect(answer.causes.contains { $0.field == field && $0.reason == reason }, "\(answer.causes)")
            #expect(answer.message.hasPrefix(#"PreviewEnvironment.sandcastle.dev "pr-7-shop" is invalid: "#), "\(answer.message)")
        }
        try await client.shutdown()
        await server.stop()

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "schema.json": ManifestValue.object(PreviewEnvironmentDefinition.schema).canonicalJSON,
            "object.json": ManifestValue.object(object).canonicalJSON,
        ])
        let crd = try await Subprocess.runDetached(
            "/usr/bin/env", ["python3", Self.root + "/scripts/check-crd-objects.py", dir.path + "/schema.json", dir.path + "/object.json"])
        #expect(crd.status == 1, "the CRD schema accepted it: \(crd.stdout) \(crd.stderr)")
    }

    @Test func theFakesTimeFieldsAreTheOfficialOnes() async throws {
        let kinds = Set(FakeKubernetes.timeFieldTable.split(separator: "\n").map { String($0.split(separator: "\t")[0]) })
        let builtIn = FakeKubernetes.builtinTypes.filter { $0.schema == nil }.map { "\($0.apiVersion)/\($0.kind)" }
        #expect(Set(builtIn) == kinds, "every built-in kind the fake serves has its row set")
        let result = try await Subprocess.runDetached("/usr/bin/env", ["python3", Self.root + "/scripts/kube-time-fields.py", "1.32.0"] + builtIn)
        #expect(result.status == 0, "\(result.stderr)")
        let official = Set(result.stdout.split(separator: "\n").map(String.init))
        let table = Set(FakeKubernetes.timeFieldTable.split(separator: "\n").map(String.init))
        #expect(official == table, "missing: \(official.subtracting(table).sorted()); extra: \(table.subtracting(official).sorted())")
        #expect(table.contains("coordination.k8s.io/v1/Lease\tspec.renewTime\tMicroTime"))
    }
}
