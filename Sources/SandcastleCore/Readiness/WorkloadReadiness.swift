/// Whether one applied workload is ready, judged from its status the way `kubectl rollout status`
/// judges it (and a Job by its conditions), with the reason in words a developer acts on.
public enum WorkloadReadiness: Sendable, Hashable {
    case ready
    /// Still rolling out: what it waits for, and the controller's own complaint when it has one
    /// (e.g. `ReplicaFailure`: "exceeded quota: …").
    case progressing(String)
    /// It will not become ready without a change (`ProgressDeadlineExceeded`, a failed Job).
    case failed(String)

    /// The kinds judged; any other kind counts as ready once applied.
    public static let judgedKinds: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "Job"]

    /// Judges `object` (as read back from the API server).
    public static func judge(_ object: ManifestObject) -> WorkloadReadiness {
        let kind = object["kind"]?.string ?? ""
        let name = object.value(at: "metadata.name")?.string ?? "?"
        switch kind {
        case "Deployment": return deployment(object, name: name)
        case "StatefulSet": return statefulSet(object, name: name)
        case "DaemonSet": return daemonSet(object, name: name)
        case "Job": return job(object, name: name)
        default: return .ready
        }
    }

    private static func int(_ object: ManifestObject, _ path: String) -> Int? {
        if case .int(let value) = object.value(at: path) { return value }
        return nil
    }

    private static func condition(_ object: ManifestObject, _ type: String) -> ManifestObject? {
        (object.value(at: "status.conditions")?.array ?? []).compactMap(\.object).first { $0["type"]?.string == type }
    }

    private static func observed(_ object: ManifestObject) -> Bool {
        (int(object, "metadata.generation") ?? 0) <= (int(object, "status.observedGeneration") ?? -1)
    }

    private static func deployment(_ object: ManifestObject, name: String) -> WorkloadReadiness {
        guard observed(object) else { return .progressing("Deployment \(name): waiting for the deployment controller to observe the new spec") }
        if let progressing = condition(object, "Progressing"), progressing["reason"]?.string == "ProgressDeadlineExceeded" {
            return .failed("Deployment \(name) exceeded its progress deadline\(detail(object))")
        }
        let desired = int(object, "spec.replicas") ?? 1
        let updated = int(object, "status.updatedReplicas") ?? 0
        let total = int(object, "status.replicas") ?? 0
        let available = int(object, "status.availableReplicas") ?? 0
        if updated < desired {
            return .progressing("Deployment \(name): \(updated) of \(desired) new replicas updated\(detail(object))")
        }
        if total > updated { return .progressing("Deployment \(name): \(total - updated) old replicas are pending termination\(detail(object))") }
        if available < updated { return .progressing("Deployment \(name): \(available) of \(updated) updated replicas available\(detail(object))") }
        return .ready
    }

    /// The workload controller's own complaint, e.g. a `ReplicaFailure` (quota, admission).
    private static func detail(_ object: ManifestObject) -> String {
        guard let failure = condition(object, "ReplicaFailure"), failure["status"]?.string == "True" else { return "" }
        let reason = failure["reason"]?.string ?? "ReplicaFailure"
        return " (\(reason): \(WorkloadDiagnosis.simplify(failure["message"]?.string ?? "")))"
    }

    private static func statefulSet(_ object: ManifestObject, name: String) -> WorkloadReadiness {
        guard observed(object) else { return .progressing("StatefulSet \(name): waiting for the controller to observe the new spec") }
        let desired = int(object, "spec.replicas") ?? 1
        let ready = int(object, "status.readyReplicas") ?? 0
        if ready < desired { return .progressing("StatefulSet \(name): \(ready) of \(desired) pods ready") }
        if object.value(at: "spec.updateStrategy.type")?.string != "OnDelete" {
            let update = object.value(at: "status.updateRevision")?.string
            if let update, update != object.value(at: "status.currentRevision")?.string {
                let updated = int(object, "status.updatedReplicas") ?? 0
                return .progressing("StatefulSet \(name): \(updated) of \(desired) pods at revision \(update)")
            }
        }
        return .ready
    }

    private static func daemonSet(_ object: ManifestObject, name: String) -> WorkloadReadiness {
        guard observed(object) else { return .progressing("DaemonSet \(name): waiting for the controller to observe the new spec") }
        let desired = int(object, "status.desiredNumberScheduled") ?? 0
        let updated = int(object, "status.updatedNumberScheduled") ?? 0
        let available = int(object, "status.numberAvailable") ?? 0
        if updated < desired { return .progressing("DaemonSet \(name): \(updated) of \(desired) new pods updated") }
        if available < desired { return .progressing("DaemonSet \(name): \(available) of \(desired) updated pods available") }
        return .ready
    }

    private static func job(_ object: ManifestObject, name: String) -> WorkloadReadiness {
        if let complete = condition(object, "Complete"), complete["status"]?.string == "True" { return .ready }
        if let failed = condition(object, "Failed"), failed["status"]?.string == "True" {
            return .failed("Job \(name) failed: \(failed["reason"]?.string ?? "Failed"): \(failed["message"]?.string ?? "")")
        }
        let active = int(object, "status.active") ?? 0
        return .progressing("Job \(name): running (\(active) active)")
    }
}
