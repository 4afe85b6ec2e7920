import Foundation
import SandcastleCore

/// Stand-ins for controllers every real cluster runs: PVC protection, the garbage collector's
/// foreground deletion, and the ResourceQuota controller's status.
extension FakeKubernetes {
    static let pvcProtection = "kubernetes.io/pvc-protection"

    /// Removes the finalizers whose condition holds: `kubernetes.io/pvc-protection` of a deleted
    /// claim no Pod mounts, `foregroundDeletion` of an object whose dependents are gone.
    func runFinalizers() {
        for key in finalizing {
            guard let object = objects[key], object.value(at: "metadata.deletionTimestamp") != nil else { continue }
            let finalizers = (object.value(at: "metadata.finalizers")?.array ?? []).compactMap(\.string)
            guard !finalizers.isEmpty else { continue }
            var kept = finalizers
            if finalizers.contains(Self.pvcProtection), key.plural == "persistentvolumeclaims", !claimInUse(key) {
                kept.removeAll { $0 == Self.pvcProtection }
            }
            if finalizers.contains("foregroundDeletion") {
                let uid = object.value(at: "metadata.uid")?.string
                collectGarbage(ownerUID: uid)
                let dependents = objects.values.contains { other in
                    (other.value(at: "metadata.ownerReferences")?.array ?? []).contains { $0.object?["uid"]?.string == uid }
                }
                if !dependents { kept.removeAll { $0 == "foregroundDeletion" } }
            }
            guard kept != finalizers else { continue }
            if kept.isEmpty {
                remove(key)
            } else {
                var updated = object
                updated.set(.array(kept.map { .string($0) }), at: "metadata.finalizers")
                updated.set(.string(nextRevision()), at: "metadata.resourceVersion")
                store(key, updated)
            }
        }
    }

    /// Whether a Pod of the claim's namespace mounts it.
    func claimInUse(_ claim: Key) -> Bool {
        objects.contains { key, pod in
            key.group.isEmpty && key.plural == "pods" && key.namespace == claim.namespace
                && (pod.value(at: "spec.volumes")?.array ?? []).contains { $0.object?.value(at: "persistentVolumeClaim.claimName")?.string == claim.name }
        }
    }

    /// Writes each ResourceQuota's `status.hard` and `status.used` (object counts, storage and
    /// the Pods' CPU and memory requests and limits) when they change.
    func runQuotas() {
        guard !quotaDirty.isEmpty else { return }
        let dirty = quotaDirty
        quotaDirty = []
        for key in quotaKeys where dirty.contains(key.namespace) {
            guard let quota = objects[key], let hard = quota.value(at: "spec.hard")?.object else { continue }
            var used = ManifestObject()
            for (name, _) in hard.pairs { used[name] = .string(usage(of: name, in: key.namespace).text) }
            let status: ManifestValue = ["hard": .object(hard), "used": .object(used)]
            guard quota["status"] != status else { continue }
            var updated = quota
            updated["status"] = status
            updated.set(.string(nextRevision()), at: "metadata.resourceVersion")
            store(key, updated)
        }
    }

    /// What `namespace` uses of the quota resource `name`.
    func usage(of name: String, in namespace: String) -> Quantity {
        let zero = Quantity("0")!
        func count(_ plural: String, group: String = "") -> Quantity {
            Quantity(String(objects.keys.filter { $0.group == group && $0.plural == plural && $0.namespace == namespace }.count)) ?? zero
        }
        let pods = objects.filter { $0.key.group.isEmpty && $0.key.plural == "pods" && $0.key.namespace == namespace }.map(\.value)
            .filter { !["Succeeded", "Failed"].contains($0.value(at: "status.phase")?.string ?? "") }
        func containers(_ field: String) -> Quantity {
            let parts = field.split(separator: ".").map(String.init)  // requests.cpu, limits.memory
            return pods.flatMap { ($0.value(at: "spec.containers")?.array ?? []).compactMap(\.object) }
                .compactMap { $0.value(at: "resources.\(parts[0]).\(parts[1])")?.string.flatMap(Quantity.init) }.reduce(zero, +)
        }
        switch name {
        case "pods": return Quantity(String(pods.count)) ?? zero
        case "persistentvolumeclaims": return count("persistentvolumeclaims")
        case "services": return count("services")
        case "secrets": return count("secrets")
        case "configmaps": return count("configmaps")
        case "requests.storage":
            return objects.filter { $0.key.group.isEmpty && $0.key.plural == "persistentvolumeclaims" && $0.key.namespace == namespace }
                .compactMap { $0.value.value(at: "spec.resources.requests.storage")?.string.flatMap(Quantity.init) }.reduce(zero, +)
        case "cpu", "memory": return containers("requests.\(name)")
        case "requests.cpu", "requests.memory", "limits.cpu", "limits.memory": return containers(name)
        default:
            guard name.hasPrefix("count/") else { return zero }
            let resource = name.dropFirst(6).split(separator: ".", maxSplits: 1).map(String.init)
            return count(resource[0], group: resource.count > 1 ? resource[1] : "")
        }
    }
}
