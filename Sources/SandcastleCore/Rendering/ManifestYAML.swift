import Yams

/// Converting between YAML text and ``ManifestValue``, keeping key order and scalar types.
public enum ManifestYAML {
    /// Parses a multi-document YAML stream; empty documents are skipped.
    public static func parseDocuments(_ text: String) throws(ManifestYAMLError) -> [ManifestValue] {
        // Anchors make aliases possible, and aliases make exponential expansion possible ("billion
        // laughs") from untrusted text: refused before the parser sees them.
        if let line = YAMLAnchorScan.firstAnchorOrAlias(in: text) {
            throw ManifestYAMLError(line: line, message: "YAML anchors and aliases are not supported")
        }
        do {
            var out: [ManifestValue] = []
            var documents = try Yams.compose_all(yaml: text)
            while let node = documents.next() {
                let value = try convert(node)
                if value != .null { out.append(value) }
            }
            // The sequence stops quietly at a syntax error; a partial stream must not pass.
            if let error = documents.error { throw error }
            return out
        } catch let error as ManifestYAMLError {
            throw error
        } catch {
            throw ManifestYAMLError(line: yamlLine(error), message: "not valid YAML: \(error)")
        }
    }

    private static func convert(_ node: Node) throws(ManifestYAMLError) -> ManifestValue {
        // Anchors make aliases possible, and aliases make exponential expansion possible
        // ("billion laughs") from untrusted bundles.
        if node.anchor != nil {
            throw ManifestYAMLError(line: node.mark?.line, message: "YAML anchors and aliases are not supported")
        }
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(ManifestValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map(ManifestValue.int) ?? .string(scalar.string)
            case .float: return node.float.map(ManifestValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [ManifestValue] = []
            for child in sequence { items.append(try convert(child)) }
            return .array(items)
        case .mapping(let mapping):
            var object = ManifestObject()
            for (key, child) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ManifestYAMLError(line: key.mark?.line, message: "mapping keys must be scalars")
                }
                if keyScalar.string == "<<" {
                    throw ManifestYAMLError(line: key.mark?.line, message: "YAML merge keys (<<) are not supported")
                }
                if object[keyScalar.string] != nil {
                    throw ManifestYAMLError(line: key.mark?.line, message: "duplicate key '\(keyScalar.string)'")
                }
                object[keyScalar.string] = try convert(child)
            }
            return .object(object)
        case .alias:
            throw ManifestYAMLError(line: node.mark?.line, message: "YAML aliases are not supported")
        }
    }

    /// A Yams node for `value`; strings that would read back as another type are quoted.
    public static func node(_ value: ManifestValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let b): return Node(b ? "true" : "false", Tag(.bool))
        case .int(let i): return Node(String(i), Tag(.int))
        case .double(let d): return Node(String(d), Tag(.float))
        case .string(let s): return .scalar(s.represented())
        case .array(let items): return .sequence(Node.Sequence(items.map(node)))
        case .object(let object): return .mapping(Node.Mapping(object.pairs.map { (Node($0.key), node($0.value)) }))
        }
    }

    /// One YAML document (no `---`), ending in a newline.
    public static func emit(_ value: ManifestValue) -> String {
        // Serializing a node built from plain values cannot fail.
        (try? Yams.serialize(node: node(value), width: -1)) ?? ""
    }

    /// Documents separated by `---` lines.
    public static func emitStream(_ values: [ManifestValue]) -> String {
        values.map { "---\n" + emit($0) }.joined()
    }
}

/// YAML that cannot be read as manifests.
public struct ManifestYAMLError: Error, Sendable {
    public var line: Int?
    public var message: String
}
