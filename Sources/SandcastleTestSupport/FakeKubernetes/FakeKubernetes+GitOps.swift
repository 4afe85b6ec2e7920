import Foundation
import SandcastleCore

/// What the GitOps engine stand-ins do (``FakeKubernetes/simulateGitOps(_:)``).
public struct GitOpsSimulation: Sendable {
    /// How long after a spec change the engine reports the object synced (or failed).
    public var syncAfter: TimeInterval
    /// How long the engine takes to prune what it synced once its object is being deleted.
    public var pruneAfter: TimeInterval
    /// Objects (by name prefix) whose sync fails, with the engine's message.
    public var failures: [String: String]

    public init(syncAfter: TimeInterval, pruneAfter: TimeInterval = 0.2, failures: [String: String] = [:]) {
        self.syncAfter = syncAfter
        self.pruneAfter = pruneAfter
        self.failures = failures
    }

    func failure(of name: String) -> String? { failures.first { name.hasPrefix($0.key) }?.value }
}

/// Stand-ins for the Argo CD application controller and the Flux controllers, writing the status
/// fields their documentation describes:
/// - Argo CD: an Application whose project does not exist, or does not allow its destination, gets
///   an `InvalidSpecError` condition and is not synced (looked at again until it is valid);
///   otherwise right after a spec change `sync.status` `OutOfSync` and `health.status` `Missing`;
///   after `syncAfter`, `Synced` at the source revisions (`sync.revisions`, one per source), health
///   `Healthy`, `operationState` `Succeeded`; a failing one `operationState.phase` `Failed` with
///   the message and a `SyncError` condition. What it "syncs" is a ConfigMap `<name>-synced`
///   labelled `app.kubernetes.io/instance` in the destination namespace; deleting an Application
///   with `resources-finalizer.argocd.argoproj.io` prunes it after `pruneAfter`, then removes the
///   finalizer. Status is written with the object (the CRD has no status subresource).
/// - Flux: the controllers add `finalizers.fluxcd.io`; after `syncAfter` the `Ready` condition is
///   `True` for the new `observedGeneration` (a `GitRepository` with `artifact.revision`
///   `sha1:<commit>`, a Kustomization with `lastAppliedRevision` from its source); a failing one
///   `Ready` `False` (`HealthCheckFailed`, `InstallFailed` with `Stalled`). Deletion garbage-collects
///   what a Kustomization or HelmRelease applied, then removes the finalizer.
extension FakeKubernetes {
    static let gitOpsGroups: Set<String> = ["argoproj.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"]
    static let fluxFinalizer = "finalizers.fluxcd.io"

    /// The minimal CRDs of Argo CD and Flux (`Fixtures/gitops`).
    public static func gitOpsDefinitions() throws -> [ManifestObject] {
        var definitions: [ManifestObject] = []
        for file in ["argocd-application.crd.yaml", "flux.crds.yaml"] {
            let text = String(decoding: try Fixtures.data("gitops/\(file)"), as: UTF8.self)
            definitions += try ManifestYAML.parseDocuments(text).compactMap(\.object)
        }
        return definitions
    }

    /// Serves the Argo CD and Flux kinds and starts (or with `nil` stops) their stand-ins.
    public func simulateGitOps(_ simulation: GitOpsSimulation?) throws {
        for definition in try Self.gitOpsDefinitions() {
            guard let type = Self.customType(definition), !types.contains(where: { $0.group == type.group && $0.plural == type.plural }) else {
                continue
            }
            types.append(type)
        }
        gitOps = simulation
        restartTicker()
    }

    /// When the engine stand-in last reported `ref` synced (or failed), for benchmarks.
    public func engineSynced(_ ref: ResourceRef) -> Date? {
        guard let type = types.first(where: { $0.apiVersion == ref.apiVersion && $0.kind == ref.kind }) else { return nil }
        return gitOpsSyncedAt[Key(group: type.group, plural: type.plural, namespace: ref.namespace ?? "", name: ref.name)]
    }

    func runGitOps(now: Date) {
        guard let simulation = gitOps else { return }
        for (key, object) in objects where Self.gitOpsGroups.contains(key.group) && key.plural != "appprojects" {
            if let deleted = object.value(at: "metadata.deletionTimestamp")?.string.flatMap(RFC3339.date) {
                if now.timeIntervalSince(deleted) >= simulation.pruneAfter { prune(key, object) }
                continue
            }
            if key.group != "argoproj.io", !(object.value(at: "metadata.finalizers")?.array ?? []).contains(.string(Self.fluxFinalizer)) {
                var updated = object
                updated.set(.array((object.value(at: "metadata.finalizers")?.array ?? []) + [.string(Self.fluxFinalizer)]), at: "metadata.finalizers")
                write(key, updated)
                continue
            }
            guard let changed = gitOpsPending[key] else { continue }
            if key.group == "argoproj.io", object.value(at: "status.sync.status") == nil {
                var updated = object
                updated["status"] = ["sync": ["status": "OutOfSync"], "health": ["status": "Missing"]]
                write(key, updated, statusInObject: true)
            }
            guard now.timeIntervalSince(changed) >= simulation.syncAfter else { continue }
            gitOpsPending[key] = nil
            gitOpsSyncedAt[key] = now
            let current = objects[key] ?? object
            let failure = simulation.failure(of: key.name)
            if key.group == "argoproj.io" {
                syncApplication(key, current, failure: failure, now: now)
            } else {
                reconcileFlux(key, current, failure: failure, now: now)
            }
        }
    }

    private func write(_ key: Key, _ object: ManifestObject, statusInObject: Bool = false) {
        var object = object
        if statusInObject, case .int(let generation) = object.value(at: "metadata.generation") {
            object.set(.int(generation + 1), at: "metadata.generation")
        }
        object.set(.string(nextRevision()), at: "metadata.resourceVersion")
        store(key, object)
    }

    /// Why Argo CD refuses the Application's spec: its project does not exist, or the project does
    /// not allow its destination (Argo CD's `InvalidSpecError` messages).
    private func invalidSpec(_ object: ManifestObject, namespace: String) -> String? {
        let project = object.value(at: "spec.project")?.string ?? ""
        guard let appProject = objects[Key(group: "argoproj.io", plural: "appprojects", namespace: namespace, name: project)] else {
            return "Application referencing project \(project) which does not exist"
        }
        let server = object.value(at: "spec.destination.server")?.string ?? ""
        let target = object.value(at: "spec.destination.namespace")?.string ?? ""
        let allowed = (appProject.value(at: "spec.destinations")?.array ?? []).compactMap(\.object).contains { destination in
            Self.glob(destination["server"]?.string ?? "", matches: server) && Self.glob(destination["namespace"]?.string ?? "", matches: target)
        }
        guard allowed else {
            return
                "application destination server '\(server)' and namespace '\(target)' do not match any of the allowed destinations in project '\(project)'"
        }
        return nil
    }

    /// Argo CD's destination patterns: `*` matches any run of characters.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        guard pattern.contains("*") else { return pattern == text }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard text.hasPrefix(parts.first!), text.hasSuffix(parts.last!) else { return false }
        var rest = Substring(text.dropFirst(parts.first!.count))
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.count >= parts.last!.count
    }

    private func syncApplication(_ key: Key, _ object: ManifestObject, failure: String?, now: Date) {
        if let invalid = invalidSpec(object, namespace: key.namespace) {
            gitOpsPending[key] = now  // looked at again: the project may be created later
            let current = (object.value(at: "status.conditions")?.array?.first?.object?["message"]?.string)
            guard current != invalid else { return }
            var updated = object
            let time = ManifestValue.string(KubernetesTime.string(now))
            updated["status"] = [
                "sync": ["status": "Unknown"], "health": ["status": "Unknown"],
                "conditions": [["type": "InvalidSpecError", "message": .string(invalid), "lastTransitionTime": time]],
            ]
            write(key, updated, statusInObject: true)
            return
        }
        let revisions = (object.value(at: "spec.sources")?.array ?? []).compactMap { $0.object?["targetRevision"] ?? .string("HEAD") }
        let time = ManifestValue.string(KubernetesTime.string(now))
        var status: ManifestObject = [
            "sync": [
                "status": failure == nil ? "Synced" : "OutOfSync", "revisions": .array(revisions),
                "comparedTo": ["sources": object.value(at: "spec.sources") ?? [], "destination": object.value(at: "spec.destination") ?? [:]],
            ],
            "reconciledAt": time, "sourceTypes": .array(revisions.map { _ in "Directory" }),
        ]
        if let failure {
            status["health"] = ["status": "Missing"]
            status["operationState"] = [
                "phase": "Failed", "message": .string(failure), "startedAt": time, "finishedAt": time,
                "operation": ["sync": ["revisions": .array(revisions)]], "syncResult": ["revisions": .array(revisions)],
            ]
            status["conditions"] = [["type": "SyncError", "message": .string(failure), "lastTransitionTime": time]]
        } else {
            status["health"] = ["status": "Healthy"]
            status["operationState"] = [
                "phase": "Succeeded", "message": "successfully synced (all tasks run)", "startedAt": time, "finishedAt": time,
                "operation": ["sync": ["revisions": .array(revisions)]], "syncResult": ["revisions": .array(revisions)],
            ]
            if let namespace = object.value(at: "spec.destination.namespace")?.string {
                placeSynced(namespace: namespace, owner: key.name, revision: revisions.first?.string ?? "")
            }
        }
        var updated = object
        updated["status"] = .object(status)
        write(key, updated, statusInObject: true)
    }

    private func reconcileFlux(_ key: Key, _ object: ManifestObject, failure: String?, now: Date) {
        let generation = object.value(at: "metadata.generation") ?? .int(1)
        let time = ManifestValue.string(KubernetesTime.string(now))
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> ManifestValue {
            [
                "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                "observedGeneration": generation,
                "lastTransitionTime": time,
            ]
        }
        var status: ManifestObject = ["observedGeneration": generation]
        let kind = object["kind"]?.string ?? ""
        switch kind {
        case "GitRepository":
            let commit = object.value(at: "spec.ref.commit")?.string ?? String(repeating: "0", count: 40)
            let revision = "sha1:\(commit)"
            status["artifact"] = [
                "revision": .string(revision), "path": .string("gitrepository/\(key.namespace)/\(key.name)/\(commit).tar.gz"), "lastUpdateTime": time,
            ]
            status["conditions"] = [condition("Ready", "True", "Succeeded", "stored artifact for revision '\(revision)'")]
        case "Kustomization":
            let source = object.value(at: "spec.sourceRef.name")?.string ?? ""
            let commit =
                objects[Key(group: "source.toolkit.fluxcd.io", plural: "gitrepositories", namespace: key.namespace, name: source)]?
                .value(at: "spec.ref.commit")?.string ?? ""
            let revision = "sha1:\(commit)"
            status["lastAttemptedRevision"] = .string(revision)
            if let failure {
                status["conditions"] = [condition("Ready", "False", "HealthCheckFailed", failure)]
            } else {
                status["lastAppliedRevision"] = .string(revision)
                status["conditions"] = [condition("Ready", "True", "ReconciliationSucceeded", "Applied revision: \(revision)")]
                if let namespace = object.value(at: "spec.targetNamespace")?.string {
                    placeSynced(namespace: namespace, owner: key.name, revision: revision)
                }
            }
        case "HelmRelease":
            if let failure {
                status["conditions"] = [
                    condition("Ready", "False", "InstallFailed", "Helm install failed for release: \(failure)"),
                    condition("Stalled", "True", "RetriesExceeded", "Failed to install after 1 attempt(s)"),
                ]
            } else {
                status["conditions"] = [condition("Ready", "True", "InstallSucceeded", "Helm install succeeded for release")]
                status["history"] = [["status": "deployed", "version": 1]]
                if let namespace = object.value(at: "spec.targetNamespace")?.string {
                    placeSynced(namespace: namespace, owner: key.name, revision: "")
                }
            }
        default:
            status["conditions"] = [condition("Ready", "True", "Succeeded", "stored artifact")]
        }
        var updated = object
        updated["status"] = .object(status)
        write(key, updated)
    }

    /// What the engine applied for `owner`: one ConfigMap in the destination namespace.
    private func placeSynced(namespace: String, owner: String, revision: String) {
        let key = Key(group: "", plural: "configmaps", namespace: namespace, name: "\(owner)-synced")
        guard let type = types.first(where: { $0.group.isEmpty && $0.plural == "configmaps" }), objects[key] == nil else { return }
        guard objects[Key(group: "", plural: "namespaces", namespace: "", name: namespace)] != nil else { return }
        let object: ManifestObject = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(key.name), "namespace": .string(namespace), "labels": ["app.kubernetes.io/instance": .string(owner)]],
            "data": ["revision": .string(revision)],
        ]
        store(key, stamp(object, type: type, previous: nil))
    }

    /// Deletion: what the object applied goes, then the engine's finalizer.
    private func prune(_ key: Key, _ object: ManifestObject) {
        let finalizers = (object.value(at: "metadata.finalizers")?.array ?? []).compactMap(\.string)
        let engine = key.group == "argoproj.io" ? ArgoCDApplication.resourcesFinalizer : Self.fluxFinalizer
        guard finalizers.contains(engine) else { return }
        for (synced, content) in objects where synced.plural == "configmaps" && synced.group.isEmpty {
            if content.value(at: "metadata.labels")?.object?["app.kubernetes.io/instance"]?.string == key.name { remove(synced) }
        }
        var updated = object
        let rest = finalizers.filter { $0 != engine }
        updated.set(rest.isEmpty ? .null : .array(rest.map(ManifestValue.string)), at: "metadata.finalizers")
        if rest.isEmpty {
            remove(key)
        } else {
            write(key, updated)
        }
    }
}
