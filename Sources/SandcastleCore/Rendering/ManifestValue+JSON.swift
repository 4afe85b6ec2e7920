import Foundation

extension ManifestValue: Decodable {
    /// Decodes any JSON value. Object keys come out sorted (JSON objects are unordered).
    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var pairs: [(key: String, value: ManifestValue)] = []
            for key in keyed.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                pairs.append((key.stringValue, try keyed.decode(ManifestValue.self, forKey: key)))
            }
            self = .object(ManifestObject(pairs))
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [ManifestValue] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(ManifestValue.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int.self) {
            self = .int(value)
        } else if let value = try? single.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    /// Parses JSON text into a value (a single pass; see `JSONParser`).
    public static func parseJSON(_ data: Data) throws -> ManifestValue {
        try JSONParser.parse(data)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension ManifestObject {
    /// The value at a dotted path of object keys, e.g. `metadata.labels`.
    public func value(at path: String) -> ManifestValue? {
        var current: ManifestValue = .object(self)
        for key in path.split(separator: ".") {
            guard let next = current.object?[String(key)] else { return nil }
            current = next
        }
        return current
    }

    /// Sets the value at a dotted path, creating objects on the way.
    public mutating func set(_ value: ManifestValue, at path: String) {
        let keys = path.split(separator: ".").map(String.init)
        guard let first = keys.first else { return }
        if keys.count == 1 {
            self[first] = value
            return
        }
        var child = self[first]?.object ?? ManifestObject()
        child.set(value, at: keys.dropFirst().joined(separator: "."))
        self[first] = .object(child)
    }

    /// `metadata.labels` (or annotations) as a dictionary.
    public func stringMap(at path: String) -> [String: String] {
        guard let object = value(at: path)?.object else { return [:] }
        var map: [String: String] = [:]
        for pair in object.pairs { if let text = pair.value.string { map[pair.key] = text } }
        return map
    }
}

extension ManifestObject: ExpressibleByDictionaryLiteral {
    /// An object with keys in the order written.
    public init(dictionaryLiteral elements: (String, ManifestValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
