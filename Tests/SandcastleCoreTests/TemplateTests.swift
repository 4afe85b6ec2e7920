import SandcastleCore
import Testing

@Suite struct TemplateTests {
    @Test func rendersVariablesWithAndWithoutSpaces() throws {
        let template = try Template(parsing: "pr-{{number}}-{{ repo }}")
        #expect(try template.render(["number": "7", "repo": "shop"]) == "pr-7-shop")
        #expect(template.variables == ["number", "repo"])
    }

    @Test func unknownVariableNamesItsLine() throws {
        let template = try Template(parsing: "a: 1\nb: {{ nope }}\n")
        #expect(throws: TemplateError(line: 2, message: "unknown variable 'nope' (known: number)")) {
            try template.render(["number": "1"])
        }
        #expect(template.unknownVariables(known: ["number"]).map(\.line) == [2])
    }

    @Test(arguments: [
        ("x: {{ number", 1), ("a\nb\n{{ }}", 3), ("{{ 9lives }}", 1), ("{{ a..b }}", 1),
    ])
    func malformedPlaceholdersAreErrors(source: String, line: Int) {
        #expect(throws: TemplateError.self) { try Template(parsing: source) }
        do {
            _ = try Template(parsing: source)
        } catch {
            #expect(error.line == line)
        }
    }

    @Test func loneClosingBracesAreLiteral() throws {
        let template = try Template(parsing: "a }} b")
        #expect(try template.render([:]) == "a }} b")
    }

    @Test func dottedNames() throws {
        #expect(try Template(parsing: "{{ values.tier }}").render(["values.tier": "gold"]) == "gold")
    }
}
