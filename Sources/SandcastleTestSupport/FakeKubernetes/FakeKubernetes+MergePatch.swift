import Foundation
import SandcastleCore

extension FakeKubernetes {
    /// `PATCH` with `application/merge-patch+json` (RFC 7386): objects merge key by key, `null`
    /// removes a key, anything else replaces. On `/status` only the status changes; on the main
    /// resource of a kind with a status subresource the status is left alone, as a real server does.
    func mergePatch(_ type: ResourceType, namespace: String, name: String, patch: ManifestObject, statusOnly: Bool) throws(KubeStatus)
        -> ManifestObject
    {
        try checkDecodes(patch, type: type)
        let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
        guard let current = objects[key] else { throw KubeStatus.notFound(type, name) }
        if let sent = patch.value(at: "metadata.resourceVersion")?.string, sent != current.value(at: "metadata.resourceVersion")?.string {
            throw KubeStatus(
                code: 409, reason: "Conflict",
                message:
                    "Operation cannot be fulfilled on \(type.plural)\(type.group.isEmpty ? "" : ".\(type.group)") \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                name: name, group: type.group, kind: type.plural)
        }
        var next = Self.mergePatched(current, patch)
        if statusOnly {
            var kept = current
            kept["status"] = next["status"]
            next = kept
        } else if type.hasStatus {
            next["status"] = current["status"]
        }
        next.set(current.value(at: "metadata.name") ?? .string(name), at: "metadata.name")
        if type.namespaced { next.set(.string(namespace), at: "metadata.namespace") }
        next = try admit(next, type: type, name: name)
        if Self.withoutServerFields(next) == Self.withoutServerFields(current) { return current }
        let stored = stamp(next, type: type, previous: current)
        store(key, stored)
        return stored
    }

    /// `patch` merged into `target` as RFC 7386 says.
    static func mergePatched(_ target: ManifestObject, _ patch: ManifestObject) -> ManifestObject {
        var result = target
        for (key, value) in patch.pairs {
            switch value {
            case .null: result[key] = nil
            case .object(let child): result[key] = .object(mergePatched(result[key]?.object ?? ManifestObject(), child))
            default: result[key] = value
            }
        }
        return result
    }
}
