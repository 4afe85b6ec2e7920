import Foundation
import SandcastleCore

/// The GitOps engine's objects of a preview (an Argo CD Application; Flux sources, a ServiceAccount
/// and a Kustomization or HelmRelease), which live outside the preview namespace: applied with the
/// preview's ownership after an ownership check (a foreign object of the same name is never
/// touched), recorded in `status.engine`, judged for readiness from the engine's status, and
/// deleted first at teardown; the namespace goes only once the engine has removed them.
extension ClusterSink {
    /// One engine object as recorded in `status.engine`.
    struct EngineItem: Sendable, Hashable {
        var apiVersion: String
        var kind: String
        var namespace: String
        var name: String
        var hash: String?
        var generation: Int?

        var ref: ResourceRef { ResourceRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name) }
        var description: String { "\(kind) \(namespace)/\(name)" }

        /// Whether a higher `metadata.generation` means a change of spec: not for an Argo CD
        /// Application, whose CRD has no status subresource (every status write moves it).
        static func tracksGeneration(_ kind: String) -> Bool { kind != ArgoCDApplication.kind }

        func same(_ other: EngineItem) -> Bool { (apiVersion, kind, namespace, name) == (other.apiVersion, other.kind, other.namespace, other.name) }

        var value: ManifestValue {
            var item: ManifestObject = [
                "apiVersion": .string(apiVersion), "kind": .string(kind), "namespace": .string(namespace), "name": .string(name),
            ]
            if let hash { item["hash"] = .string(hash) }
            if let generation { item["generation"] = .int(generation) }
            return .object(item)
        }

        static func recorded(in environment: ManifestObject?) -> [EngineItem] {
            (environment?.value(at: "status.engine")?.array ?? []).compactMap { value in
                guard let item = value.object, let apiVersion = item["apiVersion"]?.string, let kind = item["kind"]?.string,
                    let namespace = item["namespace"]?.string, let name = item["name"]?.string
                else { return nil }
                let generation: Int? = if case .int(let value) = item["generation"] { value } else { nil }
                return EngineItem(
                    apiVersion: apiVersion, kind: kind, namespace: namespace, name: name, hash: item["hash"]?.string, generation: generation)
            }
        }
    }

    /// Reads each engine object of `preview` and throws if one exists that is not this
    /// preview's: checked before anything is written, so a name clash changes nothing.
    func checkEngineOwnership(_ objects: [Manifest], uid: String?) async throws -> [ResourceRef: ManifestObject] {
        var live: [ResourceRef: ManifestObject] = [:]
        for object in objects {
            let ref = ResourceRef(apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name)
            guard let found = try await client.get(ref) else { continue }
            guard let uid, OwnershipCheck.isOwned(found, uid: uid) else {
                throw KubernetesError.notOwned("\(object.kind) \(object.namespace ?? "")/\(object.name)")
            }
            live[ref] = found
        }
        return live
    }

    /// Applies the engine objects whose content changed, that are missing or were changed by hand;
    /// deletes those that left the set. Returns what to record and how many were written.
    func applyEngine(
        _ objects: [Manifest], live: [ResourceRef: ManifestObject], previous: [EngineItem], uid: String, environment: String
    ) async throws -> (items: [EngineItem], applied: Int, pruned: [String]) {
        var items: [EngineItem] = []
        var applied = 0
        for object in objects {
            let owned = Self.owned(object.object, uid: uid, environment: environment)
            var item = EngineItem(
                apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace ?? "", name: object.name, hash: Self.contentHash(owned))
            let current = live[item.ref]
            let recorded = previous.first { $0.same(item) }
            if let current, current.value(at: "metadata.deletionTimestamp") != nil {
                throw ClusterSinkError.engineObjectTerminating(item.description)
            }
            let changedByHand = recorded?.generation.map { before in (Self.generation(current ?? [:]) ?? before) > before } ?? false
            if current == nil || recorded?.hash != item.hash || changedByHand {
                let stored = try await client.apply(owned, force: true)
                item.generation = Self.generation(stored)
                applied += 1
            } else {
                item.generation = current.flatMap(Self.generation)
            }
            if !EngineItem.tracksGeneration(item.kind) { item.generation = nil }
            items.append(item)
        }
        var pruned: [String] = []
        for old in previous where !items.contains(where: { $0.same(old) }) {
            guard let found = try await client.get(old.ref), OwnershipCheck.isOwned(found, uid: uid) else { continue }
            if try await client.delete(old.ref, propagation: .background, uid: found.value(at: "metadata.uid")?.string) {
                pruned.append(old.description)
            }
        }
        return (items, applied, pruned)
    }

    /// The readiness of each engine object at `sha`, and what is missing or was changed by hand.
    func observeEngine(_ environment: ManifestObject, sha: String) async throws -> (facts: [WorkloadFact], drift: [String]) {
        var facts: [WorkloadFact] = []
        var drift: [String] = []
        for item in EngineItem.recorded(in: environment) {
            guard let object = try await client.get(item.ref), object.value(at: "metadata.deletionTimestamp") == nil else {
                drift.append("\(item.description) is missing")
                continue
            }
            if let before = item.generation, let now = Self.generation(object), now > before {
                drift.append("\(item.description) was changed by hand")
            }
            guard GitOpsReadiness.kinds.contains(item.kind) else { continue }
            let readiness = GitOpsReadiness.judge(object, sha: sha)
            // A failure's words are in the failure itself; complaints explain a preview still waiting.
            var complaints: [String] = []
            if case .progressing = readiness { complaints = GitOpsReadiness.complaints(object) }
            facts.append(WorkloadFact(name: "\(item.kind)/\(item.name)", readiness: readiness, diagnosis: complaints))
        }
        return (facts, drift)
    }

    /// Deletes the engine objects of a preview being torn down (if they are still its own), in
    /// the reverse of their apply order and one at a time: an object still there after its delete
    /// (its finalizer: the engine is pruning what it synced) stops the walk, so an Application goes
    /// before its AppProject and a Kustomization before its source. Returns whether all are gone.
    func deleteEngine(_ environment: ManifestObject, uid: String) async throws -> Bool {
        for item in EngineItem.recorded(in: environment).reversed() {
            guard let found = try await client.get(item.ref), OwnershipCheck.isOwned(found, uid: uid) else { continue }
            if found.value(at: "metadata.deletionTimestamp") == nil {
                let deleted = try await client.delete(item.ref, propagation: .background, uid: found.value(at: "metadata.uid")?.string)
                if deleted, try await client.get(item.ref) == nil { continue }
            }
            return false
        }
        return true
    }

    /// The engine objects of a preview being torn down that the engine is still removing (deleted,
    /// held by a finalizer), and whether others remain to be deleted after them.
    func remainingEngine(_ environment: ManifestObject) async throws -> (deleting: [String], undeleted: Bool) {
        var deleting: [String] = []
        var undeleted = false
        for item in EngineItem.recorded(in: environment) {
            guard let found = try await client.get(item.ref) else { continue }
            if found.value(at: "metadata.deletionTimestamp") != nil { deleting.append(item.description) } else { undeleted = true }
        }
        return (deleting, undeleted)
    }
}
