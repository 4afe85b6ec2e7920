import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// `deploy/`: renders with `kubectl kustomize`, validates against the Kubernetes schemas, and its
/// CRD and RBAC fit what the controller actually writes.
@Suite struct DeployTests {
    static let root = repositoryRoot(from: #filePath)

    static func rendered() throws -> [ManifestObject] {
        let result = try Subprocess.run("/usr/bin/env", ["kubectl", "kustomize", root + "/deploy"])
        #expect(result.status == 0, "\(result.stderr)")
        return try ManifestYAML.parseDocuments(result.stdout).compactMap(\.object)
    }

    @Test func rendersAndValidates() throws {
        let objects = try Self.rendered()
        #expect(
            Set(objects.compactMap { $0["kind"]?.string }) == [
                "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment",
                "Service", "ConfigMap",
            ])
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["deploy.yaml": ManifestYAML.emitStream(objects.map { .object($0) })])
        for version in ["1.27.0", "1.32.0"] {
            let result = try Subprocess.run(
                "/usr/bin/env", ["python3", "-m", "kubernetes_validate", "--strict", "--quiet", "-k", version, dir.path + "/deploy.yaml"])
            #expect(result.status == 0, "\(version): \(result.stdout)\(result.stderr)")
        }
    }

    /// The shipped ConfigMap is a valid configuration, and the Deployment wires its secrets by reference.
    @Test func theConfigMapIsAValidConfigurationAndSecretsAreReferenced() throws {
        let objects = try Self.rendered()
        let configMap = try #require(objects.first { $0["kind"]?.string == "ConfigMap" })
        let text = try #require(configMap.value(at: "data")?.object?["sandcastle.yaml"]?.string)
        let config = try ConfigLoader.parse(text, file: "deploy/configmap.yaml")
        #expect(config.sink.kind == .cluster)
        #expect(config.controller.listenAddress.port == 8080)
        #expect(config.forge.webhookSecret == .environment("GITHUB_WEBHOOK_SECRET"))
        guard case .app(_, _, .file(let keyPath)) = config.forge.auth else {
            Issue.record("the shipped config should use a GitHub App key file")
            return
        }
        let deployment = try #require(objects.first { $0["kind"]?.string == "Deployment" })
        let pod = try #require(deployment.value(at: "spec.template.spec")?.object)
        let container = try #require(pod["containers"]?.array?.first?.object)
        let mounts = (container["volumeMounts"]?.array ?? []).compactMap(\.object)
        #expect(mounts.contains { keyPath.hasPrefix(($0["mountPath"]?.string ?? "-") + "/") && $0["name"]?.string == "github" })
        #expect(mounts.contains { $0["mountPath"]?.string == "/etc/sandcastle" })
        let env = (container["env"]?.array ?? []).compactMap(\.object)
        #expect(
            env.contains {
                $0["name"]?.string == "GITHUB_WEBHOOK_SECRET" && $0.value(at: "valueFrom.secretKeyRef.name")?.string == "sandcastle-github"
            })
        #expect(!text.contains("BEGIN"), "no key material in the ConfigMap")
    }

    /// The image builds in one stage and runs in another, with a static standard library, as a non-root user.
    @Test func theDockerfileIsMultiStageStaticAndNonRoot() throws {
        let text = try String(contentsOfFile: Self.root + "/Dockerfile", encoding: .utf8)
        let stages = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count >= 2)
        #expect(text.contains("--static-swift-stdlib"))
        #expect(text.contains("USER 65532:65532"))
        let deployment = try #require(try Self.rendered().first { $0["kind"]?.string == "Deployment" })
        #expect(deployment.value(at: "spec.template.spec.securityContext.runAsUser") == .int(65532))
    }

    @Test func theDeploymentIsHardened() throws {
        let deployment = try #require(try Self.rendered().first { $0["kind"]?.string == "Deployment" })
        let pod = try #require(deployment.value(at: "spec.template.spec")?.object)
        #expect(pod.value(at: "securityContext.runAsNonRoot") == .bool(true))
        let container = try #require(pod["containers"]?.array?.first?.object)
        #expect(container.value(at: "securityContext.readOnlyRootFilesystem") == .bool(true))
        #expect(container.value(at: "securityContext.allowPrivilegeEscalation") == .bool(false))
        #expect(container.value(at: "readinessProbe.httpGet.path")?.string == "/readyz")
        #expect(container.value(at: "livenessProbe.httpGet.path")?.string == "/healthz")
        #expect(container.value(at: "resources.requests.cpu") != nil && container.value(at: "resources.requests.memory") != nil)
    }

    @Test func theCRDMatchesWhatTheControllerWrites() throws {
        let crd = try #require(try Self.rendered().first { $0["kind"]?.string == "CustomResourceDefinition" })
        #expect(crd.value(at: "spec.scope")?.string == "Cluster")
        #expect(crd.value(at: "spec.names.shortNames")?.array == ["preview"])
        let version = try #require(crd.value(at: "spec.versions")?.array?.first?.object)
        #expect(version["name"]?.string == "v1alpha1")
        let columns = (version["additionalPrinterColumns"]?.array ?? []).compactMap { $0.object?["name"]?.string }
        #expect(columns == ["Repo", "PR", "Phase", "Reason", "URL", "SHA", "Age"])
        let schema = try #require(version.value(at: "schema.openAPIV3Schema")?.object)

        let preview = try Make.preview(42)
        var object = PreviewEnvironment.object(for: preview, contentHash: preview.contentHash)
        var status = PreviewEnvironment.lifecycleStatus(
            PreviewStatus(
                phase: .deploying, message: "Deployment/web: 0 of 1 updated replicas available",
                conditions: [
                    .init(type: .applied, status: true, reason: "Applied", message: "ok"),
                    .init(type: .workloadsReady, status: false, reason: "RollingOut", message: "waiting"),
                    .init(type: .ready, status: false, reason: "RollingOut", message: "waiting"),
                ], workloads: ["Deployment/web": "0 of 1 available"]), now: Date())
        status["url"] = "https://x"
        status["headSHA"] = .string(preview.sha)
        status["observedContentHash"] = .string(preview.contentHash)
        status["inventory"] = [["apiVersion": "v1", "kind": "ConfigMap", "name": "c", "hash": "abc", "generation": 1]]
        status["deployStartedAt"] = .string(KubernetesTime.string(Date()))
        status["appliedAt"] = .string(KubernetesTime.string(Date()))
        status["applyFailure"] = "x"
        status["teardownReason"] = "closed"
        status["reported"] = ["sha": .string(preview.sha), "summary": "pending: x", "at": .string(KubernetesTime.string(Date()))]
        status["reportingProblem"] = "refused"
        status["namespaceConditions"] = [["type": "NamespaceContentRemaining", "status": "True"]]
        let stored = ["status": ManifestValue.object(status)]
        object["status"] = stored["status"]
        let problems = Self.violations(of: .object(object), schema: schema, path: "")
        #expect(problems.isEmpty, "\(problems)")
        // The check can fail: an unknown field and a wrong phase are caught.
        object.set("Exploded", at: "status.phase")
        object.set("x", at: "spec.colour")
        #expect(Self.violations(of: .object(object), schema: schema, path: "").count == 2)
    }

    @Test func rbacCoversWhatThePreviewNeedsAndNoMore() throws {
        let role = try #require(try Self.rendered().first { $0["kind"]?.string == "ClusterRole" })
        var allowed: [String: Set<String>] = [:]
        for case .object(let rule) in role["rules"]?.array ?? [] {
            for case .string(let group) in rule["apiGroups"]?.array ?? [] {
                for case .string(let resource) in rule["resources"]?.array ?? [] {
                    allowed["\(group)/\(resource)", default: []].formUnion((rule["verbs"]?.array ?? []).compactMap(\.string))
                }
            }
        }
        let plurals = Dictionary(
            uniqueKeysWithValues: FakeKubernetes.builtinTypes.map { ("\($0.apiVersion)/\($0.kind)", "\($0.group)/\($0.plural)") })
        for object in try Make.preview(1).objects {
            let resource = try #require(plurals["\(object.apiVersion)/\(object.kind)"])
            #expect(allowed[resource]?.isSuperset(of: ["get", "create", "patch", "delete"]) == true, "\(resource)")
        }
        #expect(allowed["sandcastle.dev/previewenvironments/status"]?.contains("patch") == true)
        #expect(allowed.keys.allSatisfy { !$0.hasPrefix("rbac.authorization.k8s.io") })
        #expect(allowed.values.allSatisfy { $0.isDisjoint(with: ["escalate", "bind", "impersonate", "*"]) })
        #expect(allowed["/namespaces/finalize"] == nil)
        #expect(allowed["/secrets"]?.contains("list") == false)
    }

    /// Structural-schema check: unknown fields, types and enums.
    static func violations(of value: ManifestValue, schema: ManifestObject, path: String) -> [String] {
        if schema["x-kubernetes-preserve-unknown-fields"] == .bool(true) { return [] }
        var problems: [String] = []
        if let allowed = schema["enum"]?.array, !allowed.contains(value) { problems.append("\(path): \(value) not in enum") }
        switch (schema["type"]?.string, value) {
        case ("object", .object(let object)):
            guard let properties = schema["properties"]?.object else { return problems }
            for pair in object.pairs {
                guard let child = properties[pair.key]?.object else {
                    problems.append("\(path).\(pair.key): unknown field")
                    continue
                }
                problems += violations(of: pair.value, schema: child, path: "\(path).\(pair.key)")
            }
        case ("array", .array(let items)):
            if let itemSchema = schema["items"]?.object {
                for (index, item) in items.enumerated() { problems += violations(of: item, schema: itemSchema, path: "\(path)[\(index)]") }
            }
        case ("string", .string), ("integer", .int), ("boolean", .bool), (nil, _): break
        default: problems.append("\(path): expected \(schema["type"]?.string ?? "?")")
        }
        return problems
    }
}
