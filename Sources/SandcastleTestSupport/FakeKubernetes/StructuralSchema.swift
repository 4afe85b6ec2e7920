import Foundation
import SandcastleCore

/// A CustomResourceDefinition's structural `openAPIV3Schema`, applied as the API server applies it
/// to custom resources: unknown fields are pruned (unless `x-kubernetes-preserve-unknown-fields`),
/// `null` in a non-nullable field is dropped, then types, `required`, `enum`, `pattern`, bounds
/// and `format: date-time` are checked, each failure worded as the server words it.
struct StructuralSchema {
    /// One failed check: a `details.causes[]` entry of the 422 answer.
    struct Cause: Equatable {
        var reason: String
        var message: String
        var field: String
    }

    var root: ManifestObject

    /// `object` without what the schema does not know; `metadata`, `apiVersion` and `kind` are kept.
    func prune(_ object: ManifestObject) -> ManifestObject {
        var result = object
        for pair in object.pairs where !["apiVersion", "kind", "metadata"].contains(pair.key) {
            guard let schema = Self.properties(root)?[pair.key]?.object else {
                if !Self.preservesUnknown(root) { result[pair.key] = nil }
                continue
            }
            result[pair.key] = Self.prune(pair.value, schema: schema)
        }
        return result
    }

    /// Every failed check of `object` (after pruning), in field order.
    func validate(_ object: ManifestObject) -> [Cause] {
        var causes: [Cause] = []
        // `metadata` is validated as ObjectMeta elsewhere; here it only has to be there when required.
        var top = object
        if top["metadata"] != nil { top["metadata"] = .object(ManifestObject()) }
        Self.check(.object(top), schema: root, path: "", into: &causes)
        return causes
    }

    private static func properties(_ schema: ManifestObject) -> ManifestObject? { schema["properties"]?.object }

    private static func preservesUnknown(_ schema: ManifestObject) -> Bool { schema["x-kubernetes-preserve-unknown-fields"] == .bool(true) }

    private static func prune(_ value: ManifestValue, schema: ManifestObject) -> ManifestValue {
        switch value {
        case .object(let object):
            if preservesUnknown(schema), properties(schema) == nil { return value }
            var result = ManifestObject()
            for pair in object.pairs {
                if case .null = pair.value, schema["nullable"] != .bool(true),
                    let child = properties(schema)?[pair.key]?.object ?? schema["additionalProperties"]?.object,
                    child["nullable"] != .bool(true)
                {
                    continue
                }
                if let child = properties(schema)?[pair.key]?.object {
                    result[pair.key] = prune(pair.value, schema: child)
                } else if let additional = schema["additionalProperties"]?.object {
                    result[pair.key] = prune(pair.value, schema: additional)
                } else if preservesUnknown(schema) || schema["additionalProperties"] == .bool(true) {
                    result[pair.key] = pair.value
                }
            }
            return .object(result)
        case .array(let items):
            guard let itemSchema = schema["items"]?.object else { return value }
            return .array(items.map { prune($0, schema: itemSchema) })
        default:
            return value
        }
    }

    /// The JSON type name of `value`, as the server's messages say it.
    static func typeName(_ value: ManifestValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// `value` as the server quotes it in `Invalid value: …`.
    static func quoted(_ value: ManifestValue) -> String {
        switch value {
        case .string(let text): GoQuote.quote(text)
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: value.canonicalJSON
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func check(_ value: ManifestValue, schema: ManifestObject, path: String, into causes: inout [Cause]) {
        func invalid(_ message: String) {
            causes.append(Cause(reason: "FieldValueInvalid", message: "Invalid value: \(quoted(value)): \(message)", field: path))
        }
        if let type = schema["type"]?.string {
            let actual = typeName(value)
            let matches = actual == type || (type == "number" && actual == "integer")
            if !matches {
                if case .null = value, schema["nullable"] == .bool(true) { return }
                causes.append(
                    Cause(
                        reason: "FieldValueTypeInvalid",
                        message: "Invalid value: \"\(actual)\": \(path) in body must be of type \(type): \"\(actual)\"",
                        field: path))
                return
            }
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            let supported = options.map(quoted).joined(separator: ", ")
            causes.append(
                Cause(reason: "FieldValueNotSupported", message: "Unsupported value: \(quoted(value)): supported values: \(supported)", field: path))
        }
        switch value {
        case .string(let text):
            if case .int(let max) = schema["maxLength"], text.utf8.count > max {
                causes.append(Cause(reason: "FieldValueTooLong", message: "Too long: may not be longer than \(max)", field: path))
            }
            if case .int(let min) = schema["minLength"], text.count < min {
                invalid("\(path) in body should be at least \(min) chars long")
            }
            if let pattern = schema["pattern"]?.string,
                let regex = try? NSRegularExpression(pattern: pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                invalid("\(path) in body should match '\(pattern)'")
            }
            if schema["format"]?.string == "date-time", RFC3339.date(text) == nil {
                invalid("\(path) in body must be of type date-time: \(quoted(value))")
            }
        case .int(let number):
            if case .int(let min) = schema["minimum"], number < min { invalid("\(path) in body should be greater than or equal to \(min)") }
            if case .int(let max) = schema["maximum"], number > max { invalid("\(path) in body should be less than or equal to \(max)") }
        case .array(let items):
            if case .int(let max) = schema["maxItems"], items.count > max {
                causes.append(Cause(reason: "FieldValueTooMany", message: "Too many: \(items.count): must have at most \(max) items", field: path))
            }
            if let itemSchema = schema["items"]?.object {
                for (index, item) in items.enumerated() { check(item, schema: itemSchema, path: "\(path)[\(index)]", into: &causes) }
            }
        case .object(let object):
            for required in schema["required"]?.array?.compactMap(\.string) ?? [] where object[required] == nil {
                causes.append(Cause(reason: "FieldValueRequired", message: "Required value", field: join(path, required)))
            }
            for pair in object.pairs {
                if let child = properties(schema)?[pair.key]?.object {
                    check(pair.value, schema: child, path: join(path, pair.key), into: &causes)
                } else if let additional = schema["additionalProperties"]?.object {
                    check(pair.value, schema: additional, path: join(path, pair.key), into: &causes)
                }
            }
        default:
            break
        }
    }
}
