import Crypto
import Foundation
import SandcastleCore

/// The preview sink on a Kubernetes cluster: applies a rendered preview in dependency order,
/// records its inventory on the PreviewEnvironment, prunes what left the set, and tears previews
/// down until their namespace is gone. Never touches an object without Sandcastle's ownership
/// label and the PreviewEnvironment's UID, and never adopts a namespace it did not create.
public final class ClusterSink: Sink, Sendable {
    /// Settings of the sink.
    public struct Options: Sendable {
        /// Objects applied at once within one tier.
        public var parallelism = 4
        /// How long a teardown waits for the namespace to disappear.
        public var teardownTimeout: TimeInterval = 120
        public var pollInterval: TimeInterval = 1
        public init() {}
    }

    /// What an apply did.
    public struct ApplyReport: Sendable, Equatable {
        public var unchanged: Bool
        public var applied: Int
        public var pruned: [String]
        /// Objects that left the set but are not Sandcastle's, so were left alone.
        public var skipped: [String]
    }

    /// What a teardown found.
    public struct TeardownReport: Sendable, Equatable {
        public var namespace: String?
        public var gone: Bool
        /// The namespace's own conditions while it stays `Terminating`.
        public var conditions: [PreviewEnvironment.Condition]
    }

    public let client: any ClusterClient
    public let options: Options

    public init(client: any ClusterClient, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    // MARK: Sink

    public func environments() async throws -> [ObservedEnvironment] {
        try await environments(selector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)")
    }

    /// The repository's PreviewEnvironments, selected by its label on the server.
    public func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] {
        let selector =
            "\(Ownership.managedByLabel)=\(Ownership.managedByValue),\(Ownership.repositoryLabel)=\(Ownership.repositoryLabelValue(repository))"
        return try await environments(selector: selector).filter { $0.key.repository == repository }
    }

    private func environments(selector: String) async throws -> [ObservedEnvironment] {
        let objects = try await client.list(
            apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil, labelSelector: selector)
        return objects.compactMap { object in
            guard let key = PreviewEnvironment.key(of: object) else { return nil }
            let created = object.value(at: "metadata.creationTimestamp")?.string.flatMap(RFC3339.date)
            let hash = object.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] ?? ""
            return ObservedEnvironment(
                key: key, namespace: object.value(at: "spec.namespace")?.string ?? "", sha: object.value(at: "spec.headSHA")?.string ?? "",
                contentHash: hash, createdAt: created ?? Date(timeIntervalSince1970: 0),
                converged: !hash.isEmpty && object.value(at: "status.phase")?.string == "Ready")
        }.sorted { $0.key < $1.key }
    }

    public func apply(_ preview: RenderedPreview) async throws { _ = try await applyPreview(preview) }

    public func teardown(_ key: PreviewKey) async throws {
        let report = try await tearDown(key)
        if !report.gone {
            throw ClusterSinkError.namespaceStuck(namespace: report.namespace ?? "", conditions: report.conditions)
        }
    }

    // MARK: apply

    /// Applies `preview`; a set whose hash the PreviewEnvironment already records costs one read.
    public func applyPreview(_ preview: RenderedPreview) async throws -> ApplyReport {
        let name = preview.names.namespace
        // What is cluster-scoped is what this cluster's discovery says (CRDs included), not a fixed list.
        var clusterScoped: [String] = []
        for object in preview.objects where object.kind != "Namespace" {
            if try await !client.isNamespaced(apiVersion: object.apiVersion, kind: object.kind) {
                clusterScoped.append("\(object.kind)/\(object.name) (\(object.apiVersion))")
            }
        }
        guard clusterScoped.isEmpty else { throw ClusterSinkError.clusterScoped(objects: clusterScoped) }
        let existing = try await client.get(PreviewEnvironment.ref(name))
        if let existing {
            try Self.checkOwnership(existing, key: preview.key, what: "PreviewEnvironment \(name)")
            if existing.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] == preview.contentHash,
                existing.value(at: "status.phase")?.string == "Ready"
            {
                return ApplyReport(unchanged: true, applied: 0, pruned: [], skipped: [])
            }
        }
        let namespaceRef = ResourceRef(apiVersion: "v1", kind: "Namespace", name: name)
        if let namespace = try await client.get(namespaceRef) {
            let uid = existing?.value(at: "metadata.uid")?.string
            guard namespace.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == Ownership.managedByValue, let uid,
                namespace.stringMap(at: "metadata.annotations")[PreviewEnvironment.uidAnnotation] == uid
            else {
                if let existing {
                    try? await setStalled(existing, reason: "NameConflict", message: KubernetesError.nameConflict(namespace: name).description)
                }
                throw KubernetesError.nameConflict(namespace: name)
            }
            if namespace.value(at: "metadata.deletionTimestamp") != nil {
                throw ClusterSinkError.namespaceTerminating(namespace: name)
            }
        }
        let environment = try await client.apply(PreviewEnvironment.object(for: preview), force: true)
        guard let uid = environment.value(at: "metadata.uid")?.string else {
            throw KubernetesError.malformedResponse(request: "apply PreviewEnvironment \(name)", reason: "no metadata.uid")
        }
        let url = "https://\(preview.names.host)"
        do {
            var applied = 0
            var items: [PreviewEnvironment.InventoryItem] = []
            // Objects whose content is what the inventory recorded as applied are not written again.
            let recorded = Dictionary(
                (existing.map(PreviewEnvironment.inventory(of:)) ?? []).map { ($0, $0.hash) }, uniquingKeysWith: { first, _ in first })
            let tiers = Dictionary(grouping: preview.objects) { RenderedPreview.tier(of: $0.kind) }.sorted { $0.key < $1.key }
            for (_, objects) in tiers {
                var changed: [ManifestObject] = []
                for object in objects {
                    let owned = Self.owned(object.object, uid: uid, environment: name)
                    let hash = Self.contentHash(owned)
                    if object.kind != "Namespace" {
                        let item = PreviewEnvironment.InventoryItem(apiVersion: object.apiVersion, kind: object.kind, name: object.name, hash: hash)
                        items.append(item)
                        if let previous = recorded[item], previous == hash { continue }
                    }
                    changed.append(owned)
                }
                try await applyConcurrently(changed)
                applied += changed.count
            }
            let (pruned, skipped) = try await prune(
                previous: existing.map(PreviewEnvironment.inventory(of:)) ?? [], current: Set(items), namespace: name, uid: uid)
            _ = try await client.applyStatus(
                PreviewEnvironment.status(
                    name: name, phase: "Ready", preview: preview, url: url, sha: preview.sha,
                    conditions: [
                        .init(type: "Ready", status: true, reason: "Applied", message: "\(applied) objects applied at \(preview.sha.prefix(12))"),
                        .init(type: "Reconciling", status: false, reason: "Applied", message: ""),
                        .init(type: "Stalled", status: false, reason: "Applied", message: ""),
                    ], inventory: items))
            _ = try await client.apply(PreviewEnvironment.object(for: preview, contentHash: preview.contentHash), force: true)
            return ApplyReport(unchanged: false, applied: applied, pruned: pruned, skipped: skipped)
        } catch {
            try? await setStalled(environment, reason: "ApplyFailed", message: String(describing: error), url: url, sha: preview.sha)
            throw error
        }
    }

    /// The object with Sandcastle's ownership and, for the namespace, the owner reference to its
    /// PreviewEnvironment (deleting that cascades).
    static func owned(_ object: ManifestObject, uid: String, environment: String) -> ManifestObject {
        var object = object
        var metadata = object["metadata"]?.object ?? ManifestObject()
        var annotations = metadata["annotations"]?.object ?? ManifestObject()
        annotations[PreviewEnvironment.uidAnnotation] = .string(uid)
        metadata["annotations"] = .object(annotations)
        var labels = metadata["labels"]?.object ?? ManifestObject()
        labels[Ownership.managedByLabel] = .string(Ownership.managedByValue)
        metadata["labels"] = .object(labels)
        if object["kind"]?.string == "Namespace" {
            metadata["ownerReferences"] = [
                [
                    "apiVersion": .string(PreviewEnvironment.apiVersion), "kind": .string(PreviewEnvironment.kind), "name": .string(environment),
                    "uid": .string(uid), "controller": true, "blockOwnerDeletion": true,
                ]
            ]
        }
        object["metadata"] = .object(metadata)
        return object
    }

    /// SHA-256 prefix of an object's canonical JSON, as recorded in the inventory.
    static func contentHash(_ object: ManifestObject) -> String {
        SHA256.hash(data: Data(Manifest(object: object, source: "").canonicalJSON.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    private func applyConcurrently(_ objects: [ManifestObject]) async throws {
        guard !objects.isEmpty else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(options.parallelism, objects.count) {
                let object = objects[next]
                next += 1
                group.addTask { _ = try await self.client.apply(object, force: true) }
            }
            while try await group.next() != nil {
                if next < objects.count {
                    let object = objects[next]
                    next += 1
                    group.addTask { _ = try await self.client.apply(object, force: true) }
                }
            }
        }
    }

    /// Deletes what the previous inventory had and the new set does not, if it is still ours.
    private func prune(previous: [PreviewEnvironment.InventoryItem], current: Set<PreviewEnvironment.InventoryItem>, namespace: String, uid: String)
        async throws -> (pruned: [String], skipped: [String])
    {
        var pruned: [String] = []
        var skipped: [String] = []
        for item in previous where !current.contains(item) {
            let ref = ResourceRef(apiVersion: item.apiVersion, kind: item.kind, namespace: namespace, name: item.name)
            guard let object = try await client.get(ref) else { continue }
            guard Self.isOwned(object, uid: uid) else {
                skipped.append(ref.description)
                continue
            }
            if try await client.delete(ref, propagation: .background, uid: object.value(at: "metadata.uid")?.string) {
                pruned.append(ref.description)
            }
        }
        return (pruned, skipped)
    }

    static func isOwned(_ object: ManifestObject, uid: String) -> Bool {
        object.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == Ownership.managedByValue
            && object.stringMap(at: "metadata.annotations")[PreviewEnvironment.uidAnnotation] == uid
    }

    static func checkOwnership(_ environment: ManifestObject, key: PreviewKey, what: String) throws {
        let labels = environment.stringMap(at: "metadata.labels")
        guard labels[Ownership.managedByLabel] == Ownership.managedByValue, PreviewEnvironment.key(of: environment) == key else {
            throw KubernetesError.notOwned(what)
        }
    }

    private func setStalled(_ environment: ManifestObject, reason: String, message: String, url: String? = nil, sha: String? = nil) async throws {
        guard let name = environment.value(at: "metadata.name")?.string else { return }
        _ = try await client.applyStatus(
            PreviewEnvironment.status(
                name: name, phase: "Failed", preview: nil, url: url, sha: sha,
                conditions: [
                    .init(type: "Ready", status: false, reason: reason, message: message),
                    .init(type: "Reconciling", status: false, reason: reason, message: ""),
                    .init(type: "Stalled", status: true, reason: reason, message: message),
                    // Server-side apply drops fields this manager stops sending: keep the inventory, so
                    // the next successful apply still prunes what the last good one applied.
                ], inventory: PreviewEnvironment.inventory(of: environment)))
    }

    // MARK: teardown

    /// Deletes the preview's namespace (if it is Sandcastle's), waits until it is gone, then
    /// deletes the PreviewEnvironment. A namespace that stays `Terminating` past the timeout leaves
    /// the PreviewEnvironment with the namespace's conditions in its status; finalizers are never
    /// removed.
    public func tearDown(_ key: PreviewKey) async throws -> TeardownReport {
        guard let environment = try await environment(of: key) else {
            return TeardownReport(namespace: nil, gone: true, conditions: [])
        }
        guard let name = environment.value(at: "metadata.name")?.string, let uid = environment.value(at: "metadata.uid")?.string else {
            throw KubernetesError.malformedResponse(request: "PreviewEnvironment of \(key)", reason: "no name or uid")
        }
        let namespaceName = environment.value(at: "spec.namespace")?.string ?? name
        let namespaceRef = ResourceRef(apiVersion: "v1", kind: "Namespace", name: namespaceName)
        if let namespace = try await client.get(namespaceRef) {
            guard Self.isOwned(namespace, uid: uid) else {
                try? await setStalled(
                    environment, reason: "NameConflict", message: KubernetesError.nameConflict(namespace: namespaceName).description)
                throw KubernetesError.nameConflict(namespace: namespaceName)
            }
            if namespace.value(at: "metadata.deletionTimestamp") == nil {
                _ = try await client.delete(namespaceRef, propagation: .background, uid: namespace.value(at: "metadata.uid")?.string)
            }
            let deadline = Date().addingTimeInterval(options.teardownTimeout)
            while let current = try await client.get(namespaceRef) {
                if Date() >= deadline {
                    let conditions = Self.namespaceConditions(current)
                    let raw = current.value(at: "status.conditions")?.array ?? []
                    let blocking =
                        conditions.first { $0.status } ?? .init(type: "Terminating", status: true, reason: "NamespaceTerminating", message: "")
                    _ = try? await client.applyStatus(
                        PreviewEnvironment.status(
                            name: name, phase: "Terminating", preview: nil, url: nil, sha: nil,
                            conditions: [
                                .init(type: "Ready", status: false, reason: "TearingDown", message: "namespace \(namespaceName) is Terminating"),
                                .init(
                                    type: "Reconciling", status: true, reason: "TearingDown",
                                    message: "waiting for namespace \(namespaceName) to be deleted"),
                                .init(type: "Stalled", status: true, reason: blocking.reason, message: blocking.message),
                            ], inventory: nil, namespaceConditions: raw))
                    return TeardownReport(namespace: namespaceName, gone: false, conditions: conditions)
                }
                try await Task.sleep(for: .seconds(options.pollInterval))
            }
        }
        _ = try await client.delete(PreviewEnvironment.ref(name), propagation: .background, uid: uid)
        return TeardownReport(namespace: namespaceName, gone: true, conditions: [])
    }

    static func namespaceConditions(_ namespace: ManifestObject) -> [PreviewEnvironment.Condition] {
        (namespace.value(at: "status.conditions")?.array ?? []).compactMap { value in
            guard let condition = value.object, let type = condition["type"]?.string else { return nil }
            return .init(
                type: type, status: condition["status"]?.string == "True", reason: condition["reason"]?.string ?? "",
                message: condition["message"]?.string ?? "")
        }
    }
}

/// Why a cluster sink operation did not complete.
public enum ClusterSinkError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The namespace is still `Terminating` after the teardown timeout.
    case namespaceStuck(namespace: String, conditions: [PreviewEnvironment.Condition])
    /// The namespace is being deleted; the preview can be applied once it is gone.
    case namespaceTerminating(namespace: String)
    /// The cluster serves these kinds cluster-scoped: a preview holds namespaced objects only.
    case clusterScoped(objects: [String])

    public var description: String {
        switch self {
        case .namespaceStuck(let namespace, let conditions):
            let blocking = conditions.filter(\.status).map { "\($0.type): \($0.message)" }
            return "namespace \(namespace) is still Terminating" + (blocking.isEmpty ? "" : " (\(blocking.joined(separator: "; ")))")
                + "; Sandcastle never removes finalizers, the objects' controllers must"
        case .namespaceTerminating(let namespace): return "namespace \(namespace) is still being deleted; try again once it is gone"
        case .clusterScoped(let objects):
            return "\(objects.joined(separator: ", ")): cluster-scoped on this cluster (discovery); a preview bundle may hold namespaced objects only"
        }
    }
}
