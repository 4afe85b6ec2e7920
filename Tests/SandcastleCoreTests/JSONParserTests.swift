import Foundation
import SandcastleTestSupport
import Testing

@testable import SandcastleCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let text = #"{"z":1,"a":[true,false,null,-12,3.5,1e3,"x"],"s":"tab\tquote\"slash\/uni\u00e9\ud83d\ude00","o":{}}"#
        let value = try ManifestValue.parseJSON(Data(text.utf8))
        let object = try #require(value.object)
        #expect(object.keys == ["a", "o", "s", "z"], "keys come out sorted")
        #expect(object["z"] == .int(1))
        #expect(object["a"] == .array([.bool(true), .bool(false), .null, .int(-12), .double(3.5), .double(1000), .string("x")]))
        #expect(object["s"] == .string("tab\tquote\"slash/unié😀"))
        #expect(object["o"] == .object(ManifestObject()))
    }

    /// A key written twice keeps its last value, once, as the API server's decoder does: what
    /// Sandcastle checks is what the server would store (found replaying the recorded corpus).
    @Test func aDuplicatedKeyKeepsItsLastValueOnce() throws {
        let text = #"{"metadata":{"namespace":"pr-1-shop","name":"x","namespace":"kube-system"}}"#
        let object = try #require(try ManifestValue.parseJSON(Data(text.utf8)).object)
        #expect(object.value(at: "metadata.namespace") == .string("kube-system"))
        #expect(object.value(at: "metadata")?.object?.keys == ["name", "namespace"])
        #expect(ManifestValue.object(object).canonicalJSON == #"{"metadata":{"name":"x","namespace":"kube-system"}}"#)
    }

    @Test func agreesWithFoundationOnARecordedAPIResponse() throws {
        for name in try Fixtures.names(in: "kubernetes") where name.hasSuffix(".json") {
            let data = try Fixtures.data("kubernetes/" + name)
            let parsed = try ManifestValue.parseJSON(data)
            let reference = try JSONDecoder().decode(ManifestValue.self, from: data)
            #expect(parsed == reference, "\(name)")
        }
    }

    @Test(arguments: [
        ("", "unexpected end"), ("{", "expected a string key"), (#"{"a" 1}"#, "expected ':'"), ("[1,]", "unexpected character"),
        (#""abc"#, "unterminated string"), ("tru", "unexpected end"), ("[1] 2", "trailing characters"), (#""\x""#, "invalid escape"),
        (#""\ud83d""#, "unpaired surrogate"), ("01x", "trailing characters"), ("\"a\u{01}\"", "control character"),
        (String(repeating: "[", count: 600), "nested too deeply"),
    ])
    func refusesWhatIsNotJSON(text: String, reason: String) {
        do {
            _ = try ManifestValue.parseJSON(Data(text.utf8))
            Issue.record("accepted \(text.prefix(20))")
        } catch {
            #expect(String(describing: error).contains(reason), "\(error)")
        }
    }
}
