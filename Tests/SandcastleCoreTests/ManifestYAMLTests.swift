import SandcastleCore
import Testing

@Suite struct ManifestYAMLTests {
    @Test(arguments: ["42", "true", "yes", "null", "1.5", "~", "0x1F", "", "a: b", "- x", "#x", "2024-01-01", "on"])
    func stringsThatLookLikeOtherTypesSurviveARoundTrip(text: String) throws {
        let value: ManifestValue = ["data": ["key": .string(text)]]
        #expect(try ManifestYAML.parseDocuments(ManifestYAML.emit(value)) == [value])
    }

    @Test func typesAndOrderAreKept() throws {
        let parsed = try ManifestYAML.parseDocuments("b: 1\na: true\nc: '1'\nd: null\ne: 1.5\nf: [x, 2]\n")
        #expect(parsed == [["b": 1, "a": true, "c": "1", "d": .null, "e": .double(1.5), "f": ["x", 2]]])
        #expect(parsed[0].object?.keys == ["b", "a", "c", "d", "e", "f"])
    }

    @Test func multiDocumentStreamsSkipEmptyDocuments() throws {
        #expect(try ManifestYAML.parseDocuments("---\na: 1\n---\n---\nb: 2\n").count == 2)
    }

    @Test(arguments: ["a: &x 1\nb: *x\n", "a: 1\na: 2\n", "<<: {a: 1}\n"])
    func unsupportedOrAmbiguousYAMLIsRejected(text: String) {
        #expect(throws: ManifestYAMLError.self) { try ManifestYAML.parseDocuments(text) }
    }

    @Test func canonicalJSONSortsKeysAndEscapes() {
        let value: ManifestValue = ["b": "x\"y\n", "a": [1, .null, true]]
        #expect(value.canonicalJSON == #"{"a":[1,null,true],"b":"x\"y\n"}"#)
    }
}
