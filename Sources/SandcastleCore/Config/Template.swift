/// A text with `{{ name }}` placeholders, parsed once and rendered many times.
///
/// Variable names are identifiers, optionally dotted (`values.tier`). `{{` without a closing `}}`
/// is an error; a lone `}}` is literal text.
public struct Template: Sendable, Hashable {
    /// One piece of a parsed template.
    public enum Part: Sendable, Hashable {
        case literal(String)
        case variable(name: String, line: Int)
    }

    /// The text the template was parsed from.
    public let source: String
    /// Literal and variable parts in order; adjacent literals are merged.
    public let parts: [Part]
    /// See ``isUnambiguousName``; computed once at parse time.
    let unambiguousName: Bool

    /// Parses `source`, reporting the 1-based line of a malformed placeholder.
    public init(parsing source: String) throws(TemplateError) {
        self.source = source
        var parts: [Part] = []
        var literal = ""
        var line = 1
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            let before = rest[rest.startIndex..<open.lowerBound]
            literal += before
            line += before.count(where: \.isNewline)
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw TemplateError(line: line, message: "'{{' is never closed with '}}'")
            }
            let inner = afterOpen[afterOpen.startIndex..<close.lowerBound]
            let name = inner.trimmingWhitespace()
            guard Template.isValidVariableName(name) else {
                throw TemplateError(
                    line: line,
                    message: "'{{\(inner)}}' is not a variable name (expected letters, digits, '_' and '.', like {{ number }})")
            }
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            parts.append(.variable(name: name, line: line))
            line += inner.count(where: \.isNewline)
            rest = afterOpen[close.upperBound...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        self.unambiguousName = Template.isUnambiguousName(parts)
    }

    /// Variable names in order of first appearance.
    public var variables: [String] {
        var seen = Set<String>()
        return parts.compactMap {
            guard case .variable(let name, _) = $0, seen.insert(name).inserted else { return nil }
            return name
        }
    }

    /// Variables (with their line) that `known` does not contain.
    public func unknownVariables(known: Set<String>) -> [(name: String, line: Int)] {
        parts.compactMap {
            guard case .variable(let name, let line) = $0, !known.contains(name) else { return nil }
            return (name, line)
        }
    }

    /// Substitutes every placeholder; a variable missing from `values` is an error naming it and its line.
    public func render(_ values: [String: String]) throws(TemplateError) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .variable(let name, let line):
                guard let value = values[name] else {
                    let known = values.keys.sorted().joined(separator: ", ")
                    throw TemplateError(line: line, message: "unknown variable '\(name)' (known: \(known))")
                }
                out += value
            }
        }
        return out
    }

    static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "." || $0 == "-" }
            && !name.hasSuffix(".") && !name.contains("..")
    }
}

/// A malformed template or a placeholder without a value.
public struct TemplateError: Error, Sendable, Equatable {
    /// 1-based line within the template text.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isLowerAlphanumeric: Bool { ("a"..."z").contains(self) || ("0"..."9").contains(self) }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
