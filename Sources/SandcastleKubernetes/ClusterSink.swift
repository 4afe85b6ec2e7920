import Crypto
import Foundation
import SandcastleCore

/// The preview sink on a Kubernetes cluster: applies a rendered preview in dependency order,
/// records its inventory on the PreviewEnvironment, prunes what left the set, and tears previews
/// down until their namespace is gone. Never touches an object without Sandcastle's ownership
/// label and the PreviewEnvironment's UID, and never adopts a namespace it did not create.
public final class ClusterSink: EnvironmentStore, PreviewApplier, HookRunner, OrphanReaper, Sendable {
    /// Settings of the sink.
    public struct Options: Sendable {
        /// Objects applied at once within one tier.
        public var parallelism = 4
        /// The clock the recorded times come from (the controller passes its own).
        public var now: @Sendable () -> Date = { Date() }
        /// The controller's own namespace (its credentials live there): never a source of copied Secrets.
        public var controllerNamespace = ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? ClusterNamespaces.controller
        /// The GitOps engine whose objects previews have, so the janitor also reaps orphans of those.
        public var engine: GitOpsEngine?
        public init() {}
    }

    public let client: any ClusterClient
    public let options: Options
    /// The PreviewEnvironment name of each preview seen, so it is read with one GET.
    let names = LockedValue([PreviewKey: String]())

    public init(client: any ClusterClient, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    // MARK: EnvironmentStore

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
            // A PR waiting for a slot has a record but no environment: it holds no slot.
            guard let key = PreviewEnvironment.key(of: object), !PreviewEnvironment.isWaiting(object) else { return nil }
            let created = object.value(at: "metadata.creationTimestamp")?.string.flatMap(RFC3339.date)
            let hash = object.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] ?? ""
            let phase = object.value(at: "status.phase")?.string.flatMap(PreviewPhase.init(rawValue:))
            let sha = object.value(at: "spec.headSHA")?.string ?? ""
            return ObservedEnvironment(
                key: key, namespace: object.value(at: "spec.namespace")?.string ?? "", sha: sha,
                contentHash: hash, createdAt: created ?? Date(timeIntervalSince1970: 0), converged: !hash.isEmpty && phase == .ready,
                reportLags: ResyncPolicy.reportLags(phase: phase, sha: sha, reported: PreviewEnvironment.reported(of: object)))
        }.sorted { $0.key < $1.key }
    }

    public func apply(_ preview: RenderedPreview) async throws -> ApplyReport { try await applyPreview(preview) }

    // MARK: claim

    /// Creates the PreviewEnvironment (spec only) unless it exists, after checking that the
    /// namespace is free or already this preview's: the first side effect of a new preview, so a
    /// name conflict is found before a database is provisioned for it.
    public func claim(_ preview: RenderedPreview) async throws {
        let name = preview.names.namespace
        let existing = try await client.get(PreviewEnvironment.ref(name))
        if let existing { try Self.checkOwnership(existing, key: preview.key, what: "PreviewEnvironment \(name)") }
        try await checkNamespace(name, environment: existing)
        // A record of waiting becomes the environment: the waiting label and annotation go.
        if existing.map(PreviewEnvironment.isWaiting) ?? true { _ = try await client.apply(PreviewEnvironment.object(for: preview), force: true) }
    }

    /// Throws unless the namespace `name` is missing or belongs to `environment`; a namespace
    /// being deleted must finish first. Returns whether it exists.
    @discardableResult
    private func checkNamespace(_ name: String, environment: ManifestObject?) async throws -> Bool {
        guard let namespace = try await client.get(ResourceRef(apiVersion: "v1", kind: "Namespace", name: name)) else { return false }
        guard OwnershipCheck.mayUse(namespace: namespace, environmentUID: environment?.value(at: "metadata.uid")?.string) else {
            // Stalled: the planner records it as Failed and reports it.
            throw KubernetesError.nameConflict(namespace: name)
        }
        if namespace.value(at: "metadata.deletionTimestamp") != nil { throw ClusterSinkError.namespaceTerminating(namespace: name) }
        return true
    }

    // MARK: apply

    /// Applies `preview`: writes the objects whose content differs from what the inventory
    /// records, plus those found missing or changed by hand (drift), prunes what left the set, and
    /// records the inventory. An intact preview at the recorded content costs reads, no writes.
    /// Writes no lifecycle status (phase, conditions): it says what happened, the planner records
    /// what that means once the workloads are observed.
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
        if let existing { try Self.checkOwnership(existing, key: preview.key, what: "PreviewEnvironment \(name)") }
        let namespacePresent = try await checkNamespace(name, environment: existing)
        let engineLive = try await checkEngineOwnership(preview.engineObjects, uid: existing?.value(at: "metadata.uid")?.string)
        var environment = existing ?? ManifestObject()
        let spec = PreviewEnvironment.object(for: preview)["spec"].map { $0.canonicalJSON }
        if existing == nil || existing?["spec"].map({ $0.canonicalJSON }) != spec {
            environment = try await client.apply(PreviewEnvironment.object(for: preview), force: true)
        }
        guard let uid = environment.value(at: "metadata.uid")?.string else {
            throw KubernetesError.malformedResponse(request: "apply PreviewEnvironment \(name)", reason: "no metadata.uid")
        }
        let url = "https://\(preview.names.host)"
        let previous = existing.map(PreviewEnvironment.inventory(of:)) ?? []
        do {
            let live = namespacePresent ? try await liveObjects(of: previous, namespace: name).mapValues(Self.generation) : [:]
            let drifted = Set(previous.filter { item in Inventory.drift(recorded: [item], live: live).isEmpty == false })
            var owned: [InventoryItem: ManifestObject] = [:]
            var items: [InventoryItem] = []
            var namespaceObject: ManifestObject?
            for object in try await resolveCopies(preview.objects) {
                let ownedObject = Self.owned(object.object, uid: uid, environment: name)
                if object.kind == "Namespace" {
                    namespaceObject = ownedObject
                    continue
                }
                let item = InventoryItem(apiVersion: object.apiVersion, kind: object.kind, name: object.name, hash: Self.contentHash(ownedObject))
                owned[item] = ownedObject
                items.append(item)
            }
            let diff = Inventory.diff(previous: previous, current: items, force: drifted)
            var generations = Dictionary(previous.map { ($0, $0.generation) }, uniquingKeysWith: { first, _ in first })
            var applied = 0
            if !namespacePresent, let namespaceObject {
                _ = try await client.apply(namespaceObject, force: true)
                applied += 1
            }
            let writing = Set(diff.write)
            let tiers = Dictionary(grouping: items.filter { writing.contains($0) }) { RenderedPreview.tier(of: $0.kind) }.sorted { $0.key < $1.key }
            for (_, tier) in tiers {
                for (item, stored) in try await applyConcurrently(tier.map { ($0, owned[$0]!) }) {
                    if case .int(let generation) = stored.value(at: "metadata.generation") {
                        generations[item] = generation
                    } else {
                        generations[item] = nil
                    }
                }
                applied += tier.count
            }
            let engine = try await applyEngine(
                preview.engineObjects, live: engineLive, previous: EngineItem.recorded(in: existing), uid: uid, environment: name)
            applied += engine.applied
            var (pruned, skipped) = try await prune(diff.prune, namespace: name, uid: uid)
            pruned += engine.pruned
            let inventory = items.map { item in
                var item = item
                item.generation = generations[item] ?? nil
                return item
            }
            let recordedHash = existing?.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation]
            let unchanged =
                applied == 0 && pruned.isEmpty && recordedHash == preview.contentHash && existing?.value(at: "status.applyFailure") == nil
                && existing?.value(at: "status.headSHA")?.string == preview.sha
            if unchanged { return ApplyReport(unchanged: true, applied: 0, pruned: [], skipped: skipped) }
            let now = options.now()
            let sameCommit = existing?.value(at: "status.headSHA")?.string == preview.sha
            let started = sameCommit ? existing?.value(at: "status.deployStartedAt")?.string : nil
            let status: ManifestObject = [
                "url": .string(url), "headSHA": .string(preview.sha), "observedContentHash": .string(preview.contentHash),
                "inventory": .array(inventory.sorted().map(\.value)), "deployStartedAt": .string(started ?? KubernetesTime.string(now)),
                "appliedAt": .string(KubernetesTime.string(now)), "hookJobs": .array(preview.hooks.map { .string($0.manifest.name) }),
                "engine": .array(engine.items.map(\.value)),
            ]
            _ = try await client.applyStatus(PreviewEnvironment.statusPatch(name: name, status))
            if recordedHash != preview.contentHash {
                environment = try await client.apply(PreviewEnvironment.object(for: preview, contentHash: preview.contentHash), force: true)
            }
            await recordEvent(
                about: environment, reason: "Applied",
                note: "applied \(applied) objects at \(preview.sha.prefix(12))" + (pruned.isEmpty ? "" : ", pruned \(pruned.count)"))
            return ApplyReport(unchanged: false, applied: applied, pruned: pruned, skipped: skipped)
        } catch {
            try? await recordApplyFailure(environment, message: String(describing: error), inventory: previous, url: url, sha: preview.sha)
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
        SHA256.hash(data: Data(Manifest(object: object, source: "").canonicalJSONBytes)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// Applies `objects` at most `parallelism` at a time; returns each as stored.
    private func applyConcurrently(_ objects: [(InventoryItem, ManifestObject)]) async throws -> [(InventoryItem, ManifestObject)] {
        guard !objects.isEmpty else { return [] }
        return try await withThrowingTaskGroup(of: (InventoryItem, ManifestObject).self) { group in
            var next = 0
            var stored: [(InventoryItem, ManifestObject)] = []
            func add() {
                let (item, object) = objects[next]
                next += 1
                group.addTask { (item, try await self.client.apply(object, force: true)) }
            }
            for _ in 0..<min(options.parallelism, objects.count) { add() }
            while let result = try await group.next() {
                stored.append(result)
                if next < objects.count { add() }
            }
            return stored
        }
    }

    /// Each recorded object found in the namespace (and not being deleted): one list per kind,
    /// selected by Sandcastle's label.
    func liveObjects(of items: [InventoryItem], namespace: String) async throws -> [InventoryItem: ManifestObject] {
        var live: [InventoryItem: ManifestObject] = [:]
        let kinds = Set(items.map { "\($0.apiVersion) \($0.kind)" }).sorted()
        for kind in kinds {
            let parts = kind.split(separator: " ").map(String.init)
            if parts == ["v1", "Secret"] {
                // Secrets are read one by one: the controller may not list them (deploy/rbac.yaml).
                for item in items where item.apiVersion == "v1" && item.kind == "Secret" {
                    if let object = try await client.get(ResourceRef(apiVersion: "v1", kind: "Secret", namespace: namespace, name: item.name)),
                        object.value(at: "metadata.deletionTimestamp") == nil
                    {
                        live[InventoryItem(apiVersion: "v1", kind: "Secret", name: item.name)] = object
                    }
                }
                continue
            }
            let objects = try await client.list(
                apiVersion: parts[0], kind: parts[1], namespace: namespace, labelSelector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)")
            for object in objects where object.value(at: "metadata.deletionTimestamp") == nil {
                live[InventoryItem(apiVersion: parts[0], kind: parts[1], name: object.value(at: "metadata.name")?.string ?? "")] = object
            }
        }
        return live
    }

    /// Deletes what left the set, if it is still ours.
    private func prune(_ items: [InventoryItem], namespace: String, uid: String) async throws -> (pruned: [String], skipped: [String]) {
        var pruned: [String] = []
        var skipped: [String] = []
        for item in items {
            let ref = ResourceRef(apiVersion: item.apiVersion, kind: item.kind, namespace: namespace, name: item.name)
            guard let object = try await client.get(ref) else { continue }
            guard OwnershipCheck.isOwned(object, uid: uid) else {
                skipped.append(ref.description)
                continue
            }
            if try await client.delete(ref, propagation: .background, uid: object.value(at: "metadata.uid")?.string) {
                pruned.append(ref.description)
            }
        }
        return (pruned, skipped)
    }

    static func isOwned(_ object: ManifestObject, uid: String) -> Bool { OwnershipCheck.isOwned(object, uid: uid) }

    static func checkOwnership(_ environment: ManifestObject, key: PreviewKey, what: String) throws {
        let labels = environment.stringMap(at: "metadata.labels")
        guard labels[Ownership.managedByLabel] == Ownership.managedByValue, PreviewEnvironment.key(of: environment) == key else {
            throw KubernetesError.notOwned(what)
        }
    }

    /// The field manager of the lifecycle fields (phase, message, conditions, workloads).
    static let lifecycleManager = "sandcastle-lifecycle"
    /// The field manager of `status.reported` (what GitHub was told).
    static let reportedManager = "sandcastle-reported"
    /// The field manager of the teardown fields.
    static let teardownManager = "sandcastle-teardown"

    /// Records a failed apply in the applier's own fields: the error (kept, with the last good
    /// inventory, so the next apply still prunes what that one applied). The lifecycle status is
    /// the planner's to record.
    private func recordApplyFailure(_ environment: ManifestObject, message: String, inventory: [InventoryItem], url: String, sha: String) async throws {
        guard let name = environment.value(at: "metadata.name")?.string else { return }
        var status: ManifestObject = [
            "inventory": .array(inventory.sorted().map(\.value)), "applyFailure": .string(String(message.prefix(1024))), "url": .string(url),
            "headSHA": .string(sha),
        ]
        for field in ["observedContentHash", "deployStartedAt", "appliedAt", "engine"] {
            if let value = environment.value(at: "status.\(field)") { status[field] = value }
        }
        _ = try await client.applyStatus(PreviewEnvironment.statusPatch(name: name, status))
    }

    static func namespaceConditions(_ namespace: ManifestObject) -> [NamespaceCondition] {
        PreviewEnvironment.namespaceConditions(in: namespace.value(at: "status.conditions"))
    }
}

/// Why a cluster sink operation did not complete.
public enum ClusterSinkError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The namespace is being deleted; the preview can be applied once it is gone.
    case namespaceTerminating(namespace: String)
    /// The cluster serves these kinds cluster-scoped: a preview holds namespaced objects only.
    case clusterScoped(objects: [String])
    /// A Secret the configuration copies into previews does not exist (or may not be copied).
    case secretSource(String, reason: String)
    /// An engine object of the preview (e.g. its Argo CD Application) is still being deleted.
    case engineObjectTerminating(String)

    public var description: String {
        switch self {
        case .namespaceTerminating(let namespace): return "namespace \(namespace) is still being deleted; try again once it is gone"
        case .clusterScoped(let objects):
            return "\(objects.joined(separator: ", ")): cluster-scoped on this cluster (discovery); a preview bundle may hold namespaced objects only"
        case .secretSource(let source, let reason): return "the Secret \(source) to copy into the preview \(reason)"
        case .engineObjectTerminating(let object): return "\(object) is still being deleted; it is applied again once it is gone"
        }
    }
}
