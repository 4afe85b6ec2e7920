/// A JSON-like value that keeps mapping keys in the order they were written.
///
/// Kubernetes objects are handled as these values: rendering needs to read and rewrite a few
/// well-known fields of arbitrary kinds without a schema for each.
public indirect enum ManifestValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ManifestValue])
    case object(ManifestObject)

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var object: ManifestObject? { if case .object(let o) = self { o } else { nil } }
    public var array: [ManifestValue]? { if case .array(let a) = self { a } else { nil } }
}

/// An ordered mapping of string keys to values.
public struct ManifestObject: Sendable, Hashable {
    public private(set) var pairs: [(key: String, value: ManifestValue)]

    public init(_ pairs: [(key: String, value: ManifestValue)] = []) { self.pairs = pairs }

    public subscript(_ key: String) -> ManifestValue? {
        get { pairs.first { $0.key == key }?.value }
        set {
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append((key, newValue))
            }
        }
    }

    public var keys: [String] { pairs.map(\.key) }

    public static func == (lhs: ManifestObject, rhs: ManifestObject) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for (key, value) in pairs {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}

extension ManifestValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: ManifestValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, ManifestValue)...) {
        self = .object(ManifestObject(elements.map { (key: $0.0, value: $0.1) }))
    }

    /// A string-to-string mapping, keys sorted.
    public static func strings(_ map: [String: String]) -> ManifestValue {
        .object(ManifestObject(map.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) }))
    }
}

extension ManifestValue {
    /// Compact JSON with keys sorted at every level: the canonical form that content hashes and
    /// size limits are computed over.
    public var canonicalJSON: String { String(decoding: canonicalJSONBytes, as: UTF8.self) }

    /// ``canonicalJSON`` as UTF-8 bytes, written without an intermediate `String`.
    public var canonicalJSONBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeCanonical(into: &out)
        return out
    }

    private func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            out.append(contentsOf: (d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)) : "null").utf8)
        case .string(let s): ManifestValue.writeJSONString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (index, pair) in object.pairs.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                ManifestValue.writeJSONString(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                pair.value.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `s` as a JSON string: quotes, backslashes and control characters escaped, every
    /// other byte of its UTF-8 copied as is.
    static func writeJSONString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
