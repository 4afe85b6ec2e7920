/// One Kubernetes object of a rendered preview, with where it came from.
public struct Manifest: Sendable, Hashable {
    public var object: ManifestObject
    /// The bundle file (relative path) or `sandcastle` for objects Sandcastle adds.
    public var source: String

    public init(object: ManifestObject, source: String) {
        self.object = object
        self.source = source
    }

    public var apiVersion: String { object["apiVersion"]?.string ?? "" }
    public var kind: String { object["kind"]?.string ?? "" }
    /// The API group, empty for the core group.
    public var group: String {
        let parts = apiVersion.split(separator: "/")
        return parts.count == 2 ? String(parts[0]) : ""
    }
    public var name: String { metadata["name"]?.string ?? "" }
    public var namespace: String? { metadata["namespace"]?.string }

    public var metadata: ManifestObject {
        get { object["metadata"]?.object ?? ManifestObject() }
        set { object["metadata"] = .object(newValue) }
    }

    /// `Kind/name` (with the file) for messages.
    public var reference: String { "\(kind.isEmpty ? "<no kind>" : kind)/\(name.isEmpty ? "<no name>" : name) (\(source))" }

    /// Adds labels (or annotations, with `field: "annotations"`), overwriting same-named entries.
    public mutating func merge(_ entries: [String: String], into field: String) {
        var meta = metadata
        var map = meta[field]?.object ?? ManifestObject()
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) { map[key] = .string(value) }
        meta[field] = .object(map)
        metadata = meta
    }

    /// Adds `entries` to the labels of the object's pod template, if it has one, so the pods it
    /// creates carry them (the controller watches pods by Sandcastle's labels).
    public mutating func mergePodTemplateLabels(_ entries: [String: String]) {
        let path: String
        switch kind {
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job": path = "spec.template.metadata.labels"
        case "CronJob": path = "spec.jobTemplate.spec.template.metadata.labels"
        default: return
        }
        guard object.value(at: path.replacingOccurrences(of: ".metadata.labels", with: "")) != nil else { return }
        var map = object.value(at: path)?.object ?? ManifestObject()
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) { map[key] = .string(value) }
        object.set(.object(map), at: path)
    }

    public var canonicalJSON: String { ManifestValue.object(object).canonicalJSON }
    public var canonicalJSONBytes: [UInt8] { ManifestValue.object(object).canonicalJSONBytes }
}
