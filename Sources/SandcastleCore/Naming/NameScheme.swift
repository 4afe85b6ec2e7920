import Crypto

/// The alphabet and length rules of one kind of name (DNS-1123 label, PostgreSQL identifier).
///
/// Names are built from a ``Template`` over `owner`, `repo` and `number`. When the readable form is
/// provably unique (``Template/isUnambiguousName``, every value already in the alphabet, within the
/// length limit) it is used as is. Otherwise the readable form is cut to fit and followed by a
/// doubled separator and a stable hash of the lowercased `owner/repo#number`. Readable names never
/// contain a doubled separator, so a hashed name can never equal a readable one.
public struct NameScheme: Sendable, Hashable {
    /// `-` for DNS labels, `_` for PostgreSQL identifiers.
    public let separator: Character
    /// Maximum length in characters (63 for both kinds).
    public let maxLength: Int

    /// Kubernetes namespaces, object names used as labels, and host labels.
    public static let dnsLabel = NameScheme(separator: "-", maxLength: 63)
    /// Unquoted-safe PostgreSQL identifiers (lowercase letters, digits, `_`; at most 63 bytes).
    public static let postgres = NameScheme(separator: "_", maxLength: 63)

    /// Characters of hash appended to names that are not used as written.
    public static let hashLength = 10

    /// Builds the name of `key` from `template`; the result is always valid for this scheme.
    public func name(for key: PreviewKey, template: Template) -> String {
        let owner = key.repository.owner.lowercased()
        let repo = key.repository.name.lowercased()
        var exact = template.isUnambiguousName
        var readable = ""
        for part in template.parts {
            switch part {
            case .literal(let text):
                readable += text
            case .variable(let name, _):
                let value: String
                switch name {
                case "number": value = String(key.number)
                case "owner": value = owner
                case "repo": value = repo
                default: value = ""; exact = false
                }
                let clean = sanitize(value)
                if clean != value { exact = false }
                readable += clean
            }
        }
        if exact, readable.count <= maxLength, isValid(readable) { return readable }

        let suffix = String(repeating: separator, count: 2) + NameScheme.hash(of: key)
        var prefix = collapse(sanitize(readable))
        prefix = String(prefix.prefix(maxLength - suffix.count))
        while prefix.last == separator { prefix.removeLast() }
        return prefix.isEmpty ? NameScheme.hash(of: key) : prefix + suffix
    }

    /// True when `name` is non-empty, within the limit, made of lowercase letters, digits and the
    /// separator, and starts and ends with a letter or digit.
    public func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= maxLength,
            let first = name.unicodeScalars.first, let last = name.unicodeScalars.last,
            first.isLowerAlphanumeric, last.isLowerAlphanumeric
        else { return false }
        if separator == "_", !first.isASCIILetter { return false }
        return name.unicodeScalars.allSatisfy { $0.isLowerAlphanumeric || Character($0) == separator }
    }

    /// Lowercases and maps every character outside `[a-z0-9]` to the separator, collapsing runs and
    /// trimming separators at both ends; the result may be empty.
    func sanitize(_ value: String) -> String {
        var out = ""
        for scalar in value.lowercased().unicodeScalars {
            if scalar.isLowerAlphanumeric {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, out.last != separator {
                out.append(separator)
            }
        }
        while out.last == separator { out.removeLast() }
        return out
    }

    private func collapse(_ text: String) -> String {
        var out = ""
        for ch in text where !(ch == separator && (out.isEmpty || out.last == separator)) { out.append(ch) }
        return out
    }

    /// Ten base-32 characters (50 bits) of SHA-256 over the lowercased `owner/repo#number`.
    static func hash(of key: PreviewKey) -> String {
        let digest = SHA256.hash(data: Array("\(key.repository.canonical)#\(key.number)".utf8))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var bits = 0, bitCount = 0, out = ""
        for byte in digest {
            bits = (bits << 8) | Int(byte)
            bitCount += 8
            while bitCount >= 5, out.count < hashLength {
                out.append(alphabet[(bits >> (bitCount - 5)) & 31])
                bitCount -= 5
            }
            bits &= (1 << bitCount) - 1
            if out.count == hashLength { break }
        }
        return out
    }
}

extension Template {
    /// Whether distinct `(owner, repo, number)` values render distinct names without a hash.
    ///
    /// True when `{{number}}` appears exactly once, at most one of `{{owner}}` / `{{repo}}` appears
    /// (once), no two variables touch, and each side of `{{number}}` is a template edge or a literal
    /// whose neighbouring character is not a digit, so the number can be read back unambiguously.
    public var isUnambiguousName: Bool { unambiguousName }

    static func isUnambiguousName(_ parts: [Part]) -> Bool {
        let names = parts.compactMap { part -> String? in
            if case .variable(let name, _) = part { return name }
            return nil
        }
        guard names.filter({ $0 == "number" }).count == 1 else { return false }
        let strings = names.filter { $0 != "number" }
        guard strings.count <= 1, strings.allSatisfy({ $0 == "owner" || $0 == "repo" }) else { return false }
        for (index, part) in parts.enumerated() {
            guard case .variable(let name, _) = part else { continue }
            for neighbour in [index - 1, index + 1] where parts.indices.contains(neighbour) {
                guard case .literal(let text) = parts[neighbour] else { return false }
                if name == "number" {
                    let touching = neighbour < index ? text.last : text.first
                    if let touching, touching.isNumber { return false }
                }
            }
        }
        return parts.allSatisfy { part in
            if case .literal(let text) = part { return !text.contains("--") && !text.contains("__") }
            return true
        }
    }
}
