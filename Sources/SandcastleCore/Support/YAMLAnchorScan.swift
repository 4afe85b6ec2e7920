/// Finds YAML anchors (`&name`) and aliases (`*name`) in text before it is parsed, so that an
/// alias bomb ("billion laughs") is refused before any expansion, whatever the parser does with
/// aliases. A conservative lexical scan: quoted scalars, comments and block scalars are skipped;
/// `&` or `*` where a node begins (line start, after `- `, `: `, `? `, `[`, `{` or `,`) counts.
public enum YAMLAnchorScan {
    /// The 1-based line of the first anchor or alias, or `nil` when there is none.
    public static func firstAnchorOrAlias(in text: String) -> Int? {
        var line = 1
        var blockIndent: Int?  // inside a block scalar: lines indented more than this belong to it
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { line += 1 }
            let indent = raw.prefix { $0 == " " }.count
            let content = raw.dropFirst(indent)
            if let parent = blockIndent {
                if content.isEmpty || indent > parent { continue }
                blockIndent = nil
            }
            if scan(content, startsBlockScalar: { blockIndent = indent }) { return line }
        }
        return nil
    }

    /// Scans one line (without its indentation); `true` when it holds an anchor or alias.
    private static func scan(_ line: Substring, startsBlockScalar: () -> Void) -> Bool {
        var quote: Character?
        var atNodeStart = true
        var inTag = false
        var previous: Character = " "
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            defer {
                previous = character
                index = line.index(after: index)
            }
            if let open = quote {
                if character == open {
                    // '' inside a single-quoted scalar is an escaped quote.
                    let next = line.index(after: index)
                    if open == "'", next < line.endIndex, line[next] == "'" {
                        index = next
                        continue
                    }
                    quote = nil
                } else if character == "\\", open == "\"" {
                    index = line.index(after: index)
                    if index >= line.endIndex { break }
                }
                continue
            }
            switch character {
            case "#" where previous == " " || index == line.startIndex:
                return false
            case _ where atNodeStart && (character == "\"" || character == "'"):
                quote = character
                atNodeStart = false
            case _ where atNodeStart && (character == "&" || character == "*"):
                let next = line.index(after: index)
                if next < line.endIndex, line[next] != " " { return true }
            case _ where atNodeStart && (character == "|" || character == ">"):
                // A block scalar indicator ends the line (apart from modifiers and a comment).
                let rest = line[line.index(after: index)...].drop { "+-0123456789".contains($0) }
                if rest.allSatisfy({ $0 == " " }) || rest.drop(while: { $0 == " " }).hasPrefix("#") {
                    startsBlockScalar()
                    return false
                }
                atNodeStart = false
            case " ":
                if inTag {
                    inTag = false
                    atNodeStart = true
                } else if previous == ":" || previous == "-" || previous == "?" {
                    atNodeStart = true
                }
            case "[", "{", ",":
                atNodeStart = true
            case "!" where atNodeStart:
                inTag = true  // a tag; the node follows it
            default:
                if !inTag { atNodeStart = false }
            }
        }
        return false
    }
}
