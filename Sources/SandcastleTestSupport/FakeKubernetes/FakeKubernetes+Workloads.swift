import Foundation
import SandcastleCore

/// A stand-in for the deployment controller: with ``simulateRollouts(readyAfter:)`` a Deployment's
/// status goes from what a real server shows right after an apply (`deployment-just-created.json`:
/// `Available=False`, `MinimumReplicasUnavailable`) to what it shows once its pods are ready
/// (`deployment-available.json`) `readyAfter` seconds after its spec last changed. Runs, like the
/// namespace controller, when a request arrives.
extension FakeKubernetes {
    /// Rolls Deployments out after `seconds` (real time); `nil` stops (statuses stay as they are).
    public func simulateRollouts(readyAfter seconds: TimeInterval?) { rolloutDelay = seconds }

    /// `metadata.generation` as the API server keeps it for kinds with a spec and a status: 1 on
    /// create, +1 on each spec change.
    func generation(for type: ResourceType, new object: ManifestObject, previous: ManifestObject?) -> ManifestValue? {
        guard Self.generationKinds.contains(type.kind) || type.schema != nil else { return nil }
        guard let previous else { return .int(1) }
        guard case .int(let current) = previous.value(at: "metadata.generation") else { return .int(1) }
        return previous["spec"] == object["spec"] ? .int(current) : .int(current + 1)
    }

    static let generationKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]

    func runRollouts(now: Date) {
        guard let rolloutDelay else { return }
        for (key, object) in objects where key.group == "apps" && key.plural == "deployments" {
            guard object.value(at: "metadata.deletionTimestamp") == nil, case .int(let generation) = object.value(at: "metadata.generation") else {
                continue
            }
            let changed = specChangedAt[key] ?? now
            let ready = now.timeIntervalSince(changed) >= rolloutDelay
            let status = Self.deploymentStatus(object, generation: generation, ready: ready, at: changed)
            guard object["status"] != .object(status) else { continue }
            var updated = object
            updated["status"] = .object(status)
            updated.set(.string(nextRevision()), at: "metadata.resourceVersion")
            store(key, updated)
        }
    }

    /// The status the deployment controller writes, before and after the pods are available.
    static func deploymentStatus(_ object: ManifestObject, generation: Int, ready: Bool, at time: Date) -> ManifestObject {
        let replicas: Int
        if case .int(let value) = object.value(at: "spec.replicas") { replicas = value } else { replicas = 1 }
        let stamp = ManifestValue.string(KubernetesTime.string(time))
        let name = object.value(at: "metadata.name")?.string ?? "deployment"
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> ManifestValue {
            [
                "type": .string(type), "status": .string(status), "lastUpdateTime": stamp, "lastTransitionTime": stamp, "reason": .string(reason),
                "message": .string(message),
            ]
        }
        if ready {
            return [
                "observedGeneration": .int(generation), "replicas": .int(replicas), "updatedReplicas": .int(replicas),
                "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "conditions": [
                    condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                    condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(name)\" has successfully progressed."),
                ],
            ]
        }
        return [
            "observedGeneration": .int(generation), "replicas": .int(replicas), "updatedReplicas": .int(replicas),
            "unavailableReplicas": .int(replicas),
            "conditions": [
                condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)\" is progressing."),
            ],
        ]
    }
}
