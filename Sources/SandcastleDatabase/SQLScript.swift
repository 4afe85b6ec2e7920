import Foundation

/// Splits a SQL script into statements, as psql does: on `;` outside quotes (`'…'`, `E'…'`,
/// `"…"`, `$tag$…$tag$`) and comments (`--`, nested `/* */`). Each statement keeps the line it
/// starts on, for error messages.
public enum SQLScript {
    public struct Statement: Sendable, Equatable {
        public var text: String
        public var line: Int
    }

    /// A script that cannot be loaded statement by statement.
    public struct Unsupported: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func statements(_ script: String) throws(Unsupported) -> [Statement] {
        var statements: [Statement] = []
        let chars = Array(script.unicodeScalars)
        var current = String.UnicodeScalarView()
        var line = 1
        var startLine = 1
        var index = 0
        var hasContent = false

        func flush() throws(Unsupported) {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if hasContent, !text.isEmpty {
                let head = text.prefix(40).uppercased()
                if head.hasPrefix("COPY"), head.contains("FROM STDIN") || text.uppercased().contains("FROM STDIN") {
                    throw Unsupported(line: startLine, reason: "COPY … FROM STDIN is not supported; use INSERT statements")
                }
                if text.hasPrefix("\\") { throw Unsupported(line: startLine, reason: "psql meta-commands (\(text.prefix(12))) are not supported") }
                statements.append(Statement(text: text, line: startLine))
            }
            current = String.UnicodeScalarView()
            hasContent = false
        }

        func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < chars.count ? chars[index + offset] : nil }

        while index < chars.count {
            let c = chars[index]
            if !hasContent, !c.properties.isWhitespace, !(c == "-" && peek(1) == "-"), !(c == "/" && peek(1) == "*") {
                hasContent = true
                startLine = line
            }
            switch c {
            case "\n":
                line += 1
                current.append(c)
                index += 1
            case "-" where peek(1) == "-":
                while index < chars.count, chars[index] != "\n" { index += 1 }
            case "/" where peek(1) == "*":
                var depth = 0
                repeat {
                    if chars[index] == "/", peek(1) == "*" {
                        depth += 1
                        index += 2
                    } else if chars[index] == "*", peek(1) == "/" {
                        depth -= 1
                        index += 2
                    } else {
                        if chars[index] == "\n" { line += 1 }
                        index += 1
                    }
                } while depth > 0 && index < chars.count
                current.append(" ")
            case "'", "\"":
                let backslashEscapes = c == "'" && index > 0 && (chars[index - 1] == "E" || chars[index - 1] == "e")
                current.append(c)
                index += 1
                while index < chars.count {
                    let d = chars[index]
                    current.append(d)
                    index += 1
                    if d == "\n" { line += 1 }
                    if backslashEscapes, d == "\\", index < chars.count {
                        current.append(chars[index])
                        index += 1
                        continue
                    }
                    if d == c {
                        if index < chars.count, chars[index] == c {  // doubled quote
                            current.append(chars[index])
                            index += 1
                            continue
                        }
                        break
                    }
                }
            case "$":
                // $tag$ … $tag$ (tag: letters, digits, _ ; not starting with a digit), or a parameter like $1.
                var end = index + 1
                while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic || ("0"..."9").contains(chars[end]) { end += 1 }
                let tagBody = String(String.UnicodeScalarView(chars[(index + 1)..<min(end, chars.count)]))
                if end < chars.count, chars[end] == "$", !(tagBody.first?.isNumber ?? false) {
                    let tag = Array(chars[index...end])
                    current.append(contentsOf: tag)
                    index = end + 1
                    while index < chars.count {
                        if chars[index] == "$", index + tag.count <= chars.count, Array(chars[index..<(index + tag.count)]) == tag {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        if chars[index] == "\n" { line += 1 }
                        current.append(chars[index])
                        index += 1
                    }
                } else {
                    current.append(c)
                    index += 1
                }
            case ";":
                index += 1
                try flush()
            default:
                current.append(c)
                index += 1
            }
        }
        try flush()
        return statements
    }
}
