import Foundation
import SandcastleCore

/// A failed operation: the `Status` the API server answers.
struct KubeStatus: Error {
    var code: Int
    var reason: String
    var message: String
    var name: String = ""
    var group: String = ""
    var kind: String = ""
    var causes: [(reason: String, message: String, field: String)] = []
    var retryAfter: Int?

    var json: ManifestObject {
        var details = ManifestObject()
        if !name.isEmpty { details["name"] = .string(name) }
        if !kind.isEmpty { details["kind"] = .string(kind) }
        if !group.isEmpty { details["group"] = .string(group) }
        if !causes.isEmpty {
            details["causes"] = .array(causes.map { ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)] })
        }
        if let retryAfter { details["retryAfterSeconds"] = .int(retryAfter) }
        var status: ManifestObject = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(ManifestObject()), "status": "Failure", "message": .string(message),
        ]
        if !reason.isEmpty { status["reason"] = .string(reason) }
        if !details.pairs.isEmpty { status["details"] = .object(details) }
        status["code"] = .int(code)
        return status
    }

    static func notFound(_ type: FakeKubernetes.ResourceType, _ name: String) -> KubeStatus {
        KubeStatus(
            code: 404, reason: "NotFound", message: "\(type.plural)\(type.group.isEmpty ? "" : ".\(type.group)") \"\(name)\" not found", name: name,
            group: type.group, kind: type.plural)
    }
}

extension FakeKubernetes {

    func nextRevision() -> String {
        revision += 1
        return String(revision)
    }

    /// Sets the server-owned fields of a stored object.
    func stamp(_ object: ManifestObject, type: ResourceType, previous: ManifestObject?) -> ManifestObject {
        var object = object
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.object ?? ManifestObject()
        let old = previous?["metadata"]?.object
        metadata["uid"] = old?["uid"] ?? .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = old?["creationTimestamp"] ?? .string(RFC3339.string(Date()))
        if let deletion = old?["deletionTimestamp"] { metadata["deletionTimestamp"] = deletion }
        if type.namespaced == false { metadata["namespace"] = nil }
        metadata["resourceVersion"] = .string(nextRevision())
        if let generation = generation(for: type, new: object, previous: previous) {
            metadata["generation"] = generation
            if previous == nil || previous?["spec"] != object["spec"], let name = metadata["name"]?.string {
                let namespace = type.namespaced ? metadata["namespace"]?.string ?? "" : ""
                let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
                specChangedAt[key] = Date()
                if type.group == "apps" && type.plural == "deployments" || type.group == "batch" && type.plural == "jobs" {
                    rolloutPending.insert(key)
                }
            }
        }
        if Self.gitOpsGroups.contains(type.group), previous == nil || previous?["spec"] != object["spec"], let name = metadata["name"]?.string {
            gitOpsPending[Key(group: type.group, plural: type.plural, namespace: metadata["namespace"]?.string ?? "", name: name)] = Date()
        }
        if type.plural == "ingresses" || type.plural == "httproutes", previous == nil || previous?["spec"] != object["spec"],
            let name = metadata["name"]?.string
        {
            routesPending[Key(group: type.group, plural: type.plural, namespace: metadata["namespace"]?.string ?? "", name: name)] = Date()
        }
        if previous == nil, type.group.isEmpty, type.kind == "PersistentVolumeClaim" {
            // The StorageObjectInUseProtection admission plugin: a claim is not removed while a Pod mounts it.
            var finalizers = metadata["finalizers"]?.array ?? []
            if !finalizers.contains(.string(Self.pvcProtection)) { finalizers.append(.string(Self.pvcProtection)) }
            metadata["finalizers"] = .array(finalizers)
        }
        if type.kind == "Namespace" {
            var labels = metadata["labels"]?.object ?? ManifestObject()
            labels["kubernetes.io/metadata.name"] = metadata["name"]
            metadata["labels"] = .object(labels)
            if previous == nil {
                object["spec"] = ["finalizers": ["kubernetes"]]
                object["status"] = ["phase": "Active"]
            }
        }
        object["metadata"] = .object(metadata)
        return object
    }

    /// The namespace must exist and not be terminating for new content.
    func checkNamespace(_ namespace: String, type: ResourceType, name: String = "") throws(KubeStatus) {
        guard type.namespaced else { return }
        let nsType = types.first { $0.kind == "Namespace" }!
        guard let ns = objects[Key(group: "", plural: "namespaces", namespace: "", name: namespace)] else {
            throw KubeStatus.notFound(nsType, namespace)
        }
        if ns.value(at: "metadata.deletionTimestamp") != nil {
            let subject = name.isEmpty ? type.plural : "\(type.plural)\(type.group.isEmpty ? "" : ".\(type.group)") \"\(name)\""
            throw KubeStatus(
                code: 403, reason: "Forbidden",
                message: "\(subject) is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
                name: name, group: type.group, kind: type.plural,
                causes: [("NamespaceTerminating", "namespace \(namespace) is being terminated", "metadata.namespace")])
        }
    }

    func get(_ type: ResourceType, namespace: String, name: String) throws(KubeStatus) -> ManifestObject {
        guard let object = objects[Key(group: type.group, plural: type.plural, namespace: namespace, name: name)] else {
            // Both Event APIs read one storage: an events.k8s.io Event is also a core Event.
            if type.group.isEmpty, type.kind == "Event",
                let event = objects[Key(group: "events.k8s.io", plural: "events", namespace: namespace, name: name)]
            {
                return Self.coreEvent(event)
            }
            throw KubeStatus.notFound(type, name)
        }
        return object
    }

    /// An events.k8s.io/v1 Event as core/v1 shows it (the deprecated fields mapped back).
    static func coreEvent(_ event: ManifestObject) -> ManifestObject {
        var core: ManifestObject = ["kind": "Event", "apiVersion": "v1", "metadata": event["metadata"] ?? .object(ManifestObject())]
        core["involvedObject"] = event["regarding"] ?? .object(ManifestObject())
        for (from, to) in [("reason", "reason"), ("note", "message")] { core[to] = event[from] }
        core["source"] = .object(ManifestObject())
        core["firstTimestamp"] = .null
        core["lastTimestamp"] = .null
        for field in ["type", "eventTime", "action", "related", "series"] { core[field] = event[field] }
        core["reportingComponent"] = event["reportingController"]
        core["reportingInstance"] = event["reportingInstance"]
        return core
    }

    func create(_ type: ResourceType, namespace: String, body: ManifestObject) throws(KubeStatus) -> ManifestObject {
        try checkDecodes(body, type: type)
        if type.namespaced, let sent = body.value(at: "metadata.namespace")?.string, sent != namespace {
            throw KubeStatus(
                code: 400, reason: "BadRequest", message: "the namespace of the provided object does not match the namespace sent on the request")
        }
        let name = try Self.name(of: body, type: type)
        let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
        var body = try admit(body, type: type, name: name)
        if type.hasStatus { body["status"] = nil }  // status is written through its subresource only
        if objects[key] != nil {
            throw KubeStatus(
                code: 409, reason: "AlreadyExists", message: "\(type.plural) \"\(name)\" already exists", name: name, group: type.group,
                kind: type.plural)
        }
        try checkNamespace(namespace, type: type, name: name)
        try admitQuota(body, type: type, namespace: namespace, name: name)
        if type.namespaced { body.set(.string(namespace), at: "metadata.namespace") }
        let stored = stamp(body, type: type, previous: nil)
        store(key, stored)
        return stored
    }

    /// `PUT`: replaces the object when `metadata.resourceVersion` is current (409 otherwise).
    func update(_ type: ResourceType, namespace: String, name: String, body: ManifestObject, statusOnly: Bool) throws(KubeStatus) -> ManifestObject {
        try checkDecodes(body, type: type)
        let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
        guard let current = objects[key] else { throw KubeStatus.notFound(type, name) }
        let sent = body.value(at: "metadata.resourceVersion")?.string
        if sent == nil, !Self.allowsUnconditionalUpdate(type) {
            throw KubeStatus(
                code: 422, reason: "Invalid",
                message:
                    "\(type.plural)\(type.group.isEmpty ? "" : ".\(type.group)") \"\(name)\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
                name: name, group: type.group, kind: type.plural,
                causes: [("FieldValueInvalid", "Invalid value: 0x0: must be specified for an update", "metadata.resourceVersion")])
        }
        if let sent, sent != current.value(at: "metadata.resourceVersion")?.string {
            throw KubeStatus(
                code: 409, reason: "Conflict",
                message:
                    "Operation cannot be fulfilled on \(type.plural)\(type.group.isEmpty ? "" : ".\(type.group)") \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                name: name, group: type.group, kind: type.plural)
        }
        var next: ManifestObject
        if statusOnly {
            next = current
            next["status"] = body["status"]
        } else {
            next = body
            next["status"] = current["status"]
            var metadata = next["metadata"]?.object ?? ManifestObject()
            metadata["namespace"] = current.value(at: "metadata.namespace")
            next["metadata"] = .object(metadata)
        }
        next = try admit(next, type: type, name: name)
        if Self.withoutServerFields(next) == Self.withoutServerFields(current) { return current }
        let stored = stamp(next, type: type, previous: current)
        store(key, stored)
        if stored.value(at: "metadata.deletionTimestamp") != nil, (stored.value(at: "metadata.finalizers")?.array ?? []).isEmpty,
            type.kind != "Namespace"
        {
            remove(key)
        }
        return stored
    }

    /// Server-side apply: creates the object, or merges the applied configuration into it, removing
    /// what this manager applied before and no longer applies. 409 when another manager applied
    /// the object and `force` is off.
    func apply(
        _ type: ResourceType, namespace: String, name: String, body: ManifestObject, manager: String, force: Bool, statusOnly: Bool
    ) throws(KubeStatus) -> (created: Bool, object: ManifestObject) {
        try checkDecodes(body, type: type)
        guard body["apiVersion"]?.string == type.apiVersion, body["kind"]?.string == type.kind else {
            throw KubeStatus(
                code: 400, reason: "BadRequest",
                message:
                    "the apiVersion and kind of the body (\(body["apiVersion"]?.string ?? "") \(body["kind"]?.string ?? "")) do not match the URL (\(type.apiVersion) \(type.kind))"
            )
        }
        guard body.value(at: "metadata.name")?.string == name else {
            throw KubeStatus(
                code: 400, reason: "BadRequest",
                message: "the name of the object (\(body.value(at: "metadata.name")?.string ?? "")) does not match the name on the URL (\(name))")
        }
        if let bodyNamespace = body.value(at: "metadata.namespace")?.string, type.namespaced, bodyNamespace != namespace {
            throw KubeStatus(
                code: 400, reason: "BadRequest", message: "the namespace of the provided object does not match the namespace sent on the request")
        }
        let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
        let appliedKey = statusOnly ? "\(manager)/status" : manager
        if !statusOnly { try checkKnownFields(body, type: type, name: name) }
        guard let current = objects[key] else {
            if statusOnly { throw KubeStatus.notFound(type, name) }
            try checkNamespace(namespace, type: type, name: name)
            var fresh = try admit(body, type: type, name: name)
            try admitQuota(fresh, type: type, namespace: namespace, name: name)
            if type.hasStatus { fresh["status"] = nil }  // status is written through its subresource only
            if type.namespaced { fresh.set(.string(namespace), at: "metadata.namespace") }
            let stored = stamp(fresh, type: type, previous: nil)
            store(key, stored)
            applied[key] = [appliedKey: body]
            return (true, stored)
        }
        let others = (applied[key] ?? [:]).filter { $0.key != appliedKey && $0.key.hasSuffix("/status") == statusOnly }
        if !force, applied[key] == nil, !statusOnly {
            // Written by create or update: its fields are another manager's.
            throw KubeStatus(
                code: 409, reason: "Conflict", message: "Apply failed with 1 conflict: conflict with \"before-first-apply\": .metadata",
                name: name, group: type.group, kind: type.plural, causes: [("FieldManagerConflict", "conflict with \"before-first-apply\"", ".metadata")])
        }
        if !force {
            // A field another manager applied with a different value is a conflict; the same value is shared.
            var conflicts: [(manager: String, field: String)] = []
            for (owner, configuration) in others.sorted(by: { $0.key < $1.key }) {
                for (path, value) in Self.appliedFields(body) where path != ".apiVersion" && path != ".kind" {
                    if let theirs = Self.appliedFields(configuration).first(where: { $0.path == path }), theirs.value != value {
                        conflicts.append((owner.replacingOccurrences(of: "/status", with: ""), path))
                    }
                }
            }
            if !conflicts.isEmpty {
                let count = conflicts.count == 1 ? "1 conflict" : "\(conflicts.count) conflicts"
                let listed = conflicts.map { "conflict with \(GoQuote.quote($0.manager)): \($0.field)" }.joined(separator: "\n")
                throw KubeStatus(
                    code: 409, reason: "Conflict", message: "Apply failed with \(count): \(listed)", name: name, group: type.group, kind: type.plural,
                    causes: conflicts.map { ("FieldManagerConflict", "conflict with \(GoQuote.quote($0.manager))", $0.field) })
            }
        }
        let previous = applied[key]?[appliedKey] ?? ManifestObject()
        var merged = current
        if statusOnly {
            var status = current["status"]?.object ?? ManifestObject()
            status = Self.merge(
                Self.prune(status, old: previous["status"]?.object ?? ManifestObject(), new: body["status"]?.object ?? ManifestObject()),
                body["status"]?.object ?? ManifestObject())
            merged["status"] = .object(status)
        } else {
            var applyBody = body
            applyBody["status"] = nil
            var base = current
            base["status"] = nil
            merged = Self.merge(Self.prune(base, old: previous, new: applyBody), applyBody)
            merged["status"] = current["status"]
            if type.namespaced { merged.set(.string(namespace), at: "metadata.namespace") }
        }
        merged = try admit(merged, type: type, name: name)
        applied[key, default: [:]][appliedKey] = body
        if Self.withoutServerFields(merged) == Self.withoutServerFields(current) { return (false, current) }
        let stored = stamp(merged, type: type, previous: current)
        store(key, stored)
        return (false, stored)
    }

    /// Deletes an object: finalizers delay removal (a `deletionTimestamp` is set), a namespace
    /// becomes `Terminating`, dependents are garbage-collected.
    /// `DELETE`: an object with finalizers (or a Namespace) is marked and kept until they are
    /// gone; `foreground` adds `foregroundDeletion`, which the garbage collector removes once the
    /// object's dependents are gone. Returns what remains, `nil` when the object is gone.
    func delete(_ type: ResourceType, namespace: String, name: String, preconditionUID: String?, foreground: Bool = false) throws(KubeStatus)
        -> ManifestObject?
    {
        let key = Key(group: type.group, plural: type.plural, namespace: namespace, name: name)
        guard var object = objects[key] else { throw KubeStatus.notFound(type, name) }
        if let preconditionUID, preconditionUID != object.value(at: "metadata.uid")?.string {
            throw KubeStatus(
                code: 409, reason: "Conflict",
                message:
                    "Precondition failed: UID in precondition: \(preconditionUID), UID in object meta: \(object.value(at: "metadata.uid")?.string ?? "")",
                name: name, group: type.group, kind: type.plural)
        }
        var finalizers = object.value(at: "metadata.finalizers")?.array ?? []
        if foreground, type.kind != "Namespace", object.value(at: "metadata.deletionTimestamp") == nil, !finalizers.contains("foregroundDeletion") {
            finalizers.append("foregroundDeletion")
            object.set(.array(finalizers), at: "metadata.finalizers")
            object.set(.int(0), at: "metadata.deletionGracePeriodSeconds")
        }
        if type.kind == "Namespace" || !finalizers.isEmpty {
            if object.value(at: "metadata.deletionTimestamp") == nil {
                object.set(.string(RFC3339.string(Date())), at: "metadata.deletionTimestamp")
                // Marking an object deleted is a new generation of it.
                if case .int(let generation) = object.value(at: "metadata.generation") { object.set(.int(generation + 1), at: "metadata.generation") }
                if type.kind == "Namespace" { object.set("Terminating", at: "status.phase") }
                object.set(.string(nextRevision()), at: "metadata.resourceVersion")
                store(key, object)
                collectGarbage(ownerUID: object.value(at: "metadata.uid")?.string)
            }
            return object
        }
        remove(key)
        return nil
    }

    /// Removes an object and deletes (in the background) every object it owns.
    func remove(_ key: Key) {
        guard let object = objects[key] else { return }
        store(key, nil)
        applied[key] = nil
        collectGarbage(ownerUID: object.value(at: "metadata.uid")?.string)
    }

    func collectGarbage(ownerUID: String?) {
        guard let ownerUID else { return }
        let dependents = objects.filter { _, object in
            (object.value(at: "metadata.ownerReferences")?.array ?? []).contains { $0.object?["uid"]?.string == ownerUID }
        }
        for (key, _) in dependents {
            guard let type = types.first(where: { $0.group == key.group && $0.plural == key.plural }) else { continue }
            _ = try? delete(type, namespace: key.namespace, name: key.name, preconditionUID: nil)
        }
    }

    /// Stores (or with `nil` removes) an object and records the watch event it makes.
    func store(_ key: Key, _ object: ManifestObject?) {
        let previous = objects[key]
        objects[key] = object
        // What the controllers visit, kept here so that they do not walk every object per request.
        if let object, object.value(at: "metadata.deletionTimestamp") != nil, !(object.value(at: "metadata.finalizers")?.array ?? []).isEmpty {
            finalizing.insert(key)
        } else {
            finalizing.remove(key)
        }
        if key.group.isEmpty && key.plural == "resourcequotas" {
            if object == nil { quotaKeys.remove(key) } else { quotaKeys.insert(key) }
        }
        if !key.namespace.isEmpty, !quotaKeys.isEmpty { quotaDirty.insert(key.namespace) }
        var event = object ?? previous ?? ManifestObject()
        let type = object == nil ? "DELETED" : previous == nil ? "ADDED" : "MODIFIED"
        if object == nil { event.set(.string(nextRevision()), at: "metadata.resourceVersion") }
        events.append(WatchRecord(revision: revision, type: type, key: key, object: event))
        // Keep the last 10,000 (trimmed in batches: one shift per 2,000 changes, not one per change).
        if events.count > 12_000 { events.removeFirst(events.count - 10_000) }
    }

    /// A list with `limit`/`continue`: items without `apiVersion`/`kind` (custom resources keep
    /// theirs), as a real server sends. Like etcd's range reads, a page says `continue` when keys
    /// follow its last one, whether or not they match the selector; a token from before
    /// ``compact()`` and an exact resourceVersion from before it answer `410 Expired`.
    func list(
        _ type: ResourceType, namespace: String?, selector: LabelSelector?, limit: Int?, continueToken: String?, exactVersion: String? = nil
    ) throws(KubeStatus) -> ManifestObject {
        if let exactVersion, let version = Int(exactVersion), version < compactedRevision {
            throw KubeStatus(code: 410, reason: "Expired", message: "The resourceVersion for the provided list is too old.")
        }
        var all = objects.filter { key, _ in key.group == type.group && key.plural == type.plural && (namespace == nil || key.namespace == namespace) }
            .sorted { $0.key < $1.key }
        var listVersion = revision
        if let continueToken {
            guard let data = Data(base64Encoded: continueToken), let text = String(data: data, encoding: .utf8),
                let separator = text.firstIndex(of: "|"), let version = Int(text[..<separator])
            else {
                throw KubeStatus(code: 400, reason: "BadRequest", message: "invalid continue token: continue key is not valid: illegal base64 data")
            }
            if version < compactedRevision {
                throw KubeStatus(
                    code: 410, reason: "Expired",
                    message:
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
                )
            }
            let start = String(text[text.index(after: separator)...])
            all = all.filter { "\($0.key.namespace)/\($0.key.name)" > start }
            listVersion = version
        }
        var metadata: ManifestObject = ["resourceVersion": .string(String(listVersion))]
        var page: [(key: Key, value: ManifestObject)] = []
        var remaining = 0
        for entry in all where selector?.matches(entry.value.stringMap(at: "metadata.labels")) ?? true {
            if let limit, limit > 0, page.count == limit {
                remaining += 1
            } else {
                page.append(entry)
            }
        }
        if let limit, limit > 0, page.count == limit, let last = page.last?.key, all.last?.key != last {
            metadata["continue"] = .string(Data("\(listVersion)|\(last.namespace)/\(last.name)".utf8).base64EncodedString())
            if selector == nil { metadata["remainingItemCount"] = .int(remaining) }
        }
        let items: [ManifestValue] = page.map { _, object in
            var item = object
            if type.schema == nil {
                item["apiVersion"] = nil
                item["kind"] = nil
            }
            return .object(item)
        }
        return ["kind": .string("\(type.kind)List"), "apiVersion": .string(type.apiVersion), "metadata": .object(metadata), "items": .array(items)]
    }

    static func name(of body: ManifestObject, type: ResourceType) throws(KubeStatus) -> String {
        guard let name = body.value(at: "metadata.name")?.string, !name.isEmpty else {
            throw KubeStatus(
                code: 422, reason: "Invalid",
                message: "\(type.kind) \"\" is invalid: metadata.name: Required value: name or generateName is required",
                kind: type.kind, causes: [("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")])
        }
        return name
    }

    /// `new` over `base`: objects merge key by key, anything else is replaced.
    static func merge(_ base: ManifestObject, _ new: ManifestObject) -> ManifestObject {
        var result = base
        for pair in new.pairs {
            if let old = result[pair.key]?.object, let overlay = pair.value.object {
                result[pair.key] = .object(merge(old, overlay))
            } else {
                result[pair.key] = pair.value
            }
        }
        return result
    }

    /// `current` without the fields `old` had and `new` no longer has.
    static func prune(_ current: ManifestObject, old: ManifestObject, new: ManifestObject) -> ManifestObject {
        var result = current
        for pair in old.pairs {
            guard let replacement = new[pair.key] else {
                result[pair.key] = nil
                continue
            }
            if let oldChild = pair.value.object, let newChild = replacement.object, let currentChild = result[pair.key]?.object {
                result[pair.key] = .object(prune(currentChild, old: oldChild, new: newChild))
            }
        }
        return result
    }

    /// The fields an applied configuration sets, as server-side apply names them (`.data.KEY`);
    /// a list counts as one field; `metadata.name` and `metadata.namespace` identify, they are not owned.
    static func appliedFields(_ object: ManifestObject, prefix: String = "") -> [(path: String, value: ManifestValue)] {
        object.pairs.flatMap { pair -> [(path: String, value: ManifestValue)] in
            let path = "\(prefix).\(pair.key)"
            if path == ".metadata.name" || path == ".metadata.namespace" { return [] }
            if let child = pair.value.object, !child.pairs.isEmpty { return appliedFields(child, prefix: path) }
            return [(path, pair.value)]
        }
    }

    /// Whether a `PUT` without `metadata.resourceVersion` overwrites whatever is stored (most
    /// built-in kinds) or is refused (Leases and custom resources, whose strategies require it).
    static func allowsUnconditionalUpdate(_ type: ResourceType) -> Bool { type.kind != "Lease" && type.schema == nil }

    static func withoutServerFields(_ object: ManifestObject) -> ManifestObject {
        var copy = object
        var metadata = copy["metadata"]?.object ?? ManifestObject()
        metadata["resourceVersion"] = nil
        copy["metadata"] = .object(metadata)
        return copy
    }
}
