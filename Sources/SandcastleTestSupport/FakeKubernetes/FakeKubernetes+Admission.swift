import Foundation
import SandcastleCore

/// What a real API server checks of built-in kinds beyond names and timestamps, as recorded from
/// kube-apiserver 1.32 (`Fixtures/kubernetes/exchanges`): fields the schema does not declare in an
/// apply patch, a Deployment's selector against its template, Events' required fields, Secrets'
/// `stringData`, and ResourceQuota admission of object counts and storage requests.
extension FakeKubernetes {
    /// The top-level fields of the built-in kinds an apply may set (besides apiVersion, kind, metadata).
    static let declaredFields: [String: Set<String>] = [
        "ConfigMap": ["data", "binaryData", "immutable"],
        "Secret": ["data", "stringData", "type", "immutable"],
        "ServiceAccount": ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
        "Namespace": ["spec", "status"], "Service": ["spec", "status"], "Deployment": ["spec", "status"], "StatefulSet": ["spec", "status"],
        "DaemonSet": ["spec", "status"], "Job": ["spec", "status"], "CronJob": ["spec", "status"], "Pod": ["spec", "status"],
        "PersistentVolumeClaim": ["spec", "status"], "ResourceQuota": ["spec", "status"], "LimitRange": ["spec"],
        "NetworkPolicy": ["spec"], "Ingress": ["spec", "status"], "PodDisruptionBudget": ["spec", "status"],
        "HorizontalPodAutoscaler": ["spec", "status"], "Lease": ["spec"],
    ]

    /// The fields of the workloads' `spec`.
    static let declaredSpecFields: [String: Set<String>] = [
        "Deployment": ["replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds"],
        "StatefulSet": [
            "replicas", "selector", "template", "volumeClaimTemplates", "serviceName", "podManagementPolicy", "updateStrategy",
            "revisionHistoryLimit", "minReadySeconds", "persistentVolumeClaimRetentionPolicy", "ordinals",
        ],
        "Job": [
            "parallelism", "completions", "activeDeadlineSeconds", "podFailurePolicy", "successPolicy", "backoffLimit", "backoffLimitPerIndex",
            "maxFailedIndexes", "selector", "manualSelector", "template", "ttlSecondsAfterFinished", "completionMode", "suspend",
            "podReplacementPolicy", "managedBy",
        ],
    ]

    /// An apply patch naming a field the kind's schema does not declare cannot be made a typed
    /// patch: the real server answers `500` (with or without `fieldValidation=Strict`).
    func checkKnownFields(_ body: ManifestObject, type: ResourceType, name: String) throws(KubeStatus) {
        guard type.schema == nil, let declared = Self.declaredFields[type.kind] else { return }
        var unknown = body.keys.filter { !["apiVersion", "kind", "metadata"].contains($0) && !declared.contains($0) }.map { ".\($0)" }
        if let spec = body["spec"]?.object, let fields = Self.declaredSpecFields[type.kind] {
            unknown += spec.keys.filter { !fields.contains($0) }.map { ".spec.\($0)" }
        }
        guard let first = unknown.first else { return }
        let namespace = body.value(at: "metadata.namespace")?.string.map { "\($0)/" } ?? ""
        throw KubeStatus(
            code: 500, reason: "",
            message:
                "failed to create typed patch object (\(namespace)\(name); \(type.group.isEmpty ? "" : type.group)/\(type.version), Kind=\(type.kind)): \(first): field not declared in schema"
        )
    }

    /// The checks and conversions of built-in kinds that `admit` runs after the name's.
    func admitBuiltin(_ object: ManifestObject, type: ResourceType, name: String) -> (ManifestObject, [StructuralSchema.Cause]) {
        var object = object
        var causes: [StructuralSchema.Cause] = []
        switch (type.group, type.kind) {
        case ("", "Secret"):
            // stringData is write-only: merged into data, base64-encoded.
            if let strings = object["stringData"]?.object {
                var data = object["data"]?.object ?? ManifestObject()
                for (key, value) in strings.pairs { data[key] = .string(Data((value.string ?? "").utf8).base64EncodedString()) }
                object["data"] = .object(data)
                object["stringData"] = nil
            }
        case ("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"):
            let selector = object.stringMap(at: "spec.selector.matchLabels")
            let labels = object.stringMap(at: "spec.template.metadata.labels")
            if !selector.isEmpty, !selector.allSatisfy({ labels[$0.key] == $0.value }) {
                let shown = "map[string]string{" + labels.sorted { $0.key < $1.key }.map { "\(GoQuote.quote($0.key)):\(GoQuote.quote($0.value))" }
                    .joined(separator: ", ") + "}"
                causes.append(
                    .init(
                        reason: "FieldValueInvalid", message: "Invalid value: \(shown): `selector` does not match template `labels`",
                        field: "spec.template.metadata.labels"))
            }
        case ("events.k8s.io", "Event"):
            if object["eventTime"] == nil || object["eventTime"] == .null {
                causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "eventTime"))
            }
        case ("", "Event"):
            let namespace = object.value(at: "metadata.namespace")?.string ?? ""
            let involved = object.value(at: "involvedObject.namespace")?.string ?? ""
            if involved != namespace, !(involved.isEmpty && namespace == "default") {
                causes.append(
                    .init(
                        reason: "FieldValueInvalid", message: "Invalid value: \(GoQuote.quote(involved)): does not match event.namespace",
                        field: "involvedObject.namespace"))
            }
        default:
            break
        }
        return (object, causes)
    }

    /// ResourceQuota admission of a new object in `namespace`: object counts (`pods`,
    /// `persistentvolumeclaims`, `count/<resource>`) and `requests.storage`, against every quota's
    /// `spec.hard`, with the real `403` message.
    func admitQuota(_ object: ManifestObject, type: ResourceType, namespace: String, name: String) throws(KubeStatus) {
        guard type.namespaced else { return }
        let quotas = objects.filter { $0.key.group.isEmpty && $0.key.plural == "resourcequotas" && $0.key.namespace == namespace }
            .sorted { $0.key < $1.key }
        let resource = type.group.isEmpty ? type.plural : "\(type.plural).\(type.group)"
        for (key, quota) in quotas {
            for (limitName, limitValue) in quota.value(at: "spec.hard")?.object?.pairs ?? [] {
                guard let limitText = limitValue.string, let limit = Quantity(limitText) else { continue }
                var requested: Quantity?
                let counted = ["pods": "Pod", "persistentvolumeclaims": "PersistentVolumeClaim", "services": "Service", "secrets": "Secret",
                    "configmaps": "ConfigMap"]
                if counted[limitName] == type.kind && type.group.isEmpty || limitName == "count/\(resource)" {
                    requested = Quantity("1")
                } else if limitName == "requests.storage", type.kind == "PersistentVolumeClaim" {
                    requested = Quantity(object.value(at: "spec.resources.requests.storage")?.string ?? "0")
                }
                let used = usage(of: limitName, in: namespace)
                guard let requested, (used + requested).millis > limit.millis else { continue }
                throw KubeStatus(
                    code: 403, reason: "Forbidden",
                    message:
                        "\(resource) \(GoQuote.quote(name)) is forbidden: exceeded quota: \(key.name), requested: \(limitName)=\(requested.text), used: \(limitName)=\(used.text), limited: \(limitName)=\(limitText)",
                    name: name, group: type.group, kind: type.plural)
            }
        }
    }
}
