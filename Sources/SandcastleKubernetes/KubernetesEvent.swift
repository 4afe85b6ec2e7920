import Foundation
import SandcastleCore

/// An `events.k8s.io/v1` Event about an object, as `kubectl describe` and `kubectl events` show it.
/// `eventTime` is a `MicroTime` (six fractional digits); the name is the object's name and a
/// unique suffix, as client-go makes it.
public enum KubernetesEvent {
    public static let apiVersion = "events.k8s.io/v1"
    /// `reportingController` of every event Sandcastle writes.
    public static let reportingController = "sandcastle.dev/controller"

    public enum Severity: String, Sendable { case normal = "Normal", warning = "Warning" }

    /// The Event regarding `regarding` (a stored object: its `uid` and `resourceVersion` are
    /// referenced), in `namespace` (the object's own, or `default` for a cluster-scoped one).
    public static func object(
        regarding: ManifestObject, namespace: String, reason: String, action: String, note: String, type: Severity = .normal,
        instance: String, now: Date
    ) -> ManifestObject {
        let ref = ResourceRef(regarding)
        var target: ManifestObject = ["apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind), "name": .string(ref.name)]
        if let objectNamespace = ref.namespace { target["namespace"] = .string(objectNamespace) }
        if let uid = regarding.value(at: "metadata.uid")?.string { target["uid"] = .string(uid) }
        if let version = regarding.value(at: "metadata.resourceVersion")?.string { target["resourceVersion"] = .string(version) }
        let suffix = String(UInt64(now.timeIntervalSince1970 * 1_000_000_000), radix: 16)
        return [
            "apiVersion": .string(apiVersion), "kind": "Event",
            "metadata": ["name": .string("\(ref.name).\(suffix)"), "namespace": .string(namespace)],
            "eventTime": .string(KubernetesMicroTime.string(now)),
            "reportingController": .string(reportingController), "reportingInstance": .string(String(instance.prefix(128))),
            "action": .string(action), "reason": .string(reason), "type": .string(type.rawValue),
            "regarding": .object(target), "note": .string(String(note.prefix(1024))),
        ]
    }
}
