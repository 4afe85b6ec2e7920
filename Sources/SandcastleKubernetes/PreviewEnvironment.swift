import Foundation
import SandcastleCore

/// The `PreviewEnvironment` custom resource (`sandcastle.dev/v1alpha1`, cluster-scoped): one per
/// pull request, owner of the preview's namespace, with the inventory of what Sandcastle applied.
public enum PreviewEnvironment {
    public static let apiVersion = "sandcastle.dev/v1alpha1"
    public static let kind = "PreviewEnvironment"
    /// Written last after a successful apply; equal to the rendered set's hash when nothing changed.
    public static let contentHashAnnotation = "sandcastle.dev/content-hash"
    /// On every object Sandcastle applies: the UID of the PreviewEnvironment it belongs to.
    public static let uidAnnotation = OwnershipCheck.uidAnnotation

    /// The reference of the PreviewEnvironment named `name`.
    public static func ref(_ name: String) -> ResourceRef { ResourceRef(apiVersion: apiVersion, kind: kind, name: name) }

    /// The object Sandcastle applies for `preview` (metadata and spec; status is separate).
    public static func object(for preview: RenderedPreview, contentHash: String? = nil) -> ManifestObject {
        object(key: preview.key, names: preview.names, sha: preview.sha, contentHash: contentHash)
    }

    /// Marks the PreviewEnvironment of a PR waiting for a slot (no namespace is claimed yet).
    public static let waitingLabel = "sandcastle.dev/waiting"
    /// When the PR started waiting (its creation time: the queue's order).
    public static let waitingSinceAnnotation = "sandcastle.dev/waiting-since"

    /// The object for `key`; with `waitingSince`, the record of a PR waiting for a slot.
    public static func object(
        key: PreviewKey, names: PreviewNames, sha: String, contentHash: String? = nil, waitingSince: Date? = nil
    ) -> ManifestObject {
        var annotations = [Ownership.repositoryAnnotation: key.repository.description]
        if let contentHash { annotations[contentHashAnnotation] = contentHash }
        var labels = Ownership.labels(for: key)
        if let waitingSince {
            labels[waitingLabel] = "true"
            annotations[waitingSinceAnnotation] = KubernetesTime.string(waitingSince)
        }
        return [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "metadata": ["name": .string(names.namespace), "labels": .strings(labels), "annotations": .strings(annotations)],
            "spec": [
                "repository": .string(key.repository.description), "pullRequest": .int(key.number), "headSHA": .string(sha),
                "namespace": .string(names.namespace), "url": .string("https://\(names.host)"),
            ],
        ]
    }

    /// Whether a stored PreviewEnvironment only records a PR waiting for a slot.
    public static func isWaiting(_ object: ManifestObject) -> Bool { object.stringMap(at: "metadata.labels")[waitingLabel] == "true" }

    /// One object Sandcastle applied, as recorded in `status.inventory`.
    public typealias InventoryItem = SandcastleCore.InventoryItem

    /// A status condition (`Applied`, `WorkloadsReady`, `Ready`).
    public typealias Condition = PreviewStatus.Condition

    /// A status patch for the field manager that owns these fields (each concern applies its own
    /// fields, so server-side apply keeps the others').
    public static func statusPatch(name: String, _ status: ManifestObject) -> ManifestObject {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": ["name": .string(name)], "status": .object(status)]
    }

    /// The lifecycle fields: phase, message, conditions and per-workload readiness.
    public static func lifecycleStatus(_ status: PreviewStatus, now: Date) -> ManifestObject {
        let time = ManifestValue.string(KubernetesTime.string(now))
        var fields: ManifestObject = [
            "phase": .string(status.phase.rawValue), "message": .string(status.message),
            "conditions": .array(
                status.conditions.map {
                    [
                        "type": .string($0.type.rawValue), "status": .string($0.status ? "True" : "False"), "reason": .string($0.reason),
                        "message": .string(String($0.message.prefix(1024))), "lastTransitionTime": time,
                    ]
                }),
            "lastUpdateTime": time,
        ]
        if !status.workloads.isEmpty { fields["workloads"] = .strings(status.workloads.mapValues { String($0.prefix(512)) }) }
        if let generation = status.observedGeneration { fields["observedGeneration"] = .int(generation) }
        if !status.namespaceConditions.isEmpty { fields["namespaceConditions"] = .array(status.namespaceConditions.map(\.value)) }
        return fields
    }

    /// The lifecycle status recorded on a stored PreviewEnvironment; `nil` before any was recorded.
    public static func recordedStatus(of object: ManifestObject) -> PreviewStatus? {
        guard let phase = object.value(at: "status.phase")?.string.flatMap(PreviewPhase.init(rawValue:)) else { return nil }
        let conditions = (object.value(at: "status.conditions")?.array ?? []).compactMap { value -> PreviewStatus.Condition? in
            guard let c = value.object, let type = c["type"]?.string.flatMap(PreviewConditionType.init(rawValue:)) else { return nil }
            return .init(type: type, status: c["status"]?.string == "True", reason: c["reason"]?.string ?? "", message: c["message"]?.string ?? "")
        }
        let generation: Int? = if case .int(let value) = object.value(at: "status.observedGeneration") { value } else { nil }
        var status = PreviewStatus(
            phase: phase, message: object.value(at: "status.message")?.string ?? "", conditions: conditions,
            workloads: object.stringMap(at: "status.workloads"), observedGeneration: generation)
        status.namespaceConditions = namespaceConditions(in: object.value(at: "status.namespaceConditions"))
        return status
    }

    /// Conditions in a namespace's shape (`status.conditions` of a Namespace, or what a
    /// PreviewEnvironment recorded of them).
    public static func namespaceConditions(in value: ManifestValue?) -> [NamespaceCondition] {
        (value?.array ?? []).compactMap { value in
            guard let condition = value.object, let type = condition["type"]?.string else { return nil }
            return NamespaceCondition(
                type: type, status: condition["status"]?.string == "True", reason: condition["reason"]?.string ?? "",
                message: condition["message"]?.string ?? "")
        }
    }

    /// What the forge was last told, as recorded in `status.reported`.
    public static func reported(of object: ManifestObject) -> ReportRecord? {
        guard let sha = object.value(at: "status.reported.sha")?.string, let summary = object.value(at: "status.reported.summary")?.string else {
            return nil
        }
        return ReportRecord(sha: sha, summary: summary)
    }

    /// The inventory recorded in a stored PreviewEnvironment.
    public static func inventory(of object: ManifestObject) -> [InventoryItem] {
        (object.value(at: "status.inventory")?.array ?? []).compactMap { value in
            guard let item = value.object, let apiVersion = item["apiVersion"]?.string, let kind = item["kind"]?.string,
                let name = item["name"]?.string
            else { return nil }
            let generation: Int? = if case .int(let value) = item["generation"] { value } else { nil }
            return InventoryItem(apiVersion: apiVersion, kind: kind, name: name, hash: item["hash"]?.string, generation: generation)
        }
    }

    /// The preview key a stored PreviewEnvironment belongs to, from its spec.
    public static func key(of object: ManifestObject) -> PreviewKey? {
        guard let repository = object.value(at: "spec.repository")?.string.flatMap(RepositoryName.init(parsing:)),
            case .int(let number) = object.value(at: "spec.pullRequest")
        else { return nil }
        return PreviewKey(repository: repository, number: number)
    }

}

extension NamespaceCondition {
    /// The condition in the API's shape.
    var value: ManifestValue {
        ["type": .string(type), "status": .string(status ? "True" : "False"), "reason": .string(reason), "message": .string(String(message.prefix(1024)))]
    }
}

extension InventoryItem {
    /// The item as recorded in `status.inventory`.
    var value: ManifestValue {
        var item: ManifestObject = ["group": .string(group), "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name)]
        if let hash { item["hash"] = .string(hash) }
        if let generation { item["generation"] = .int(generation) }
        return .object(item)
    }
}
