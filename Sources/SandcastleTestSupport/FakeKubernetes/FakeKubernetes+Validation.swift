import Foundation
import SandcastleCore

/// What the API server checks before it stores an object: the body decodes (every `Time` and
/// `MicroTime` field parses, with Go's error in a `400` otherwise), the name is valid, and a custom
/// resource matches its CRD's structural schema (pruned, then `422 Invalid` with causes).
extension FakeKubernetes {
    /// Checks that `body` decodes as `type` would: `400 BadRequest` like the real server otherwise.
    func checkDecodes(_ body: ManifestObject, type: ResourceType) throws(KubeStatus) {
        let fields = Self.timeFields["\(type.apiVersion)/\(type.kind)"] ?? Self.objectMetaTimeFields
        for field in fields {
            for value in Self.values(at: field.path[...], in: .object(body)) {
                guard case .string(let text) = value else { continue }
                do {
                    if field.micro { _ = try KubernetesMicroTime.parse(text) } else { _ = try KubernetesTime.parse(text) }
                } catch {
                    throw KubeStatus(
                        code: 400, reason: "BadRequest",
                        message: "\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): \(error.description)")
                }
            }
        }
    }

    /// The `metav1.ObjectMeta` timestamps every kind has (custom resources included).
    static let objectMetaTimeFields: [TimeField] = [
        TimeField(path: ["metadata", "creationTimestamp"], micro: false),
        TimeField(path: ["metadata", "deletionTimestamp"], micro: false),
        TimeField(path: ["metadata", "managedFields", "[]", "time"], micro: false),
    ]

    /// The values at `path` (`[]` walks array items, `{}` map values).
    static func values(at path: ArraySlice<String>, in value: ManifestValue) -> [ManifestValue] {
        guard let head = path.first else { return [value] }
        let rest = path.dropFirst()
        switch (head, value) {
        case ("[]", .array(let items)): return items.flatMap { values(at: rest, in: $0) }
        case ("{}", .object(let object)): return object.pairs.flatMap { values(at: rest, in: $0.value) }
        case (_, .object(let object)): return object[head].map { values(at: rest, in: $0) } ?? []
        default: return []
        }
    }

    /// The object as the server stores it, or `422 Invalid`: a valid name, and for a custom
    /// resource the CRD's schema (unknown fields pruned first).
    func admit(_ object: ManifestObject, type: ResourceType, name: String) throws(KubeStatus) -> ManifestObject {
        var causes: [StructuralSchema.Cause] = []
        if let problem = Self.nameProblem(name, kind: type.kind) {
            causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(GoQuote.quote(name)): \(problem)", field: "metadata.name"))
        }
        var stored = object
        if let schema = type.schema {
            let structural = StructuralSchema(root: schema)
            stored = structural.prune(object)
            causes += structural.validate(stored)
        } else {
            let (converted, problems) = admitBuiltin(stored, type: type, name: name)
            stored = converted
            causes += problems
        }
        guard causes.isEmpty else {
            let qualified = type.group.isEmpty ? type.kind : "\(type.kind).\(type.group)"
            let list = causes.map { "\($0.field): \($0.message)" }
            let summary = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
            throw KubeStatus(
                code: 422, reason: "Invalid", message: "\(qualified) \(GoQuote.quote(name)) is invalid: \(summary)", name: name, group: type.group,
                kind: type.kind, causes: causes.map { ($0.reason, $0.message, $0.field) })
        }
        return stored
    }

    /// Why `name` is not a valid object name, in the server's words; `nil` when it is.
    static func nameProblem(_ name: String, kind: String) -> String? {
        if kind == "Namespace" {
            let label = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#
            if name.range(of: label, options: .regularExpression) == nil || name.count > 63 {
                return
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            }
            return nil
        }
        let subdomain = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#
        if name.range(of: subdomain, options: .regularExpression) == nil {
            return
                #"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
        }
        if name.count > 253 { return "must be no more than 253 characters" }
        return nil
    }
}
