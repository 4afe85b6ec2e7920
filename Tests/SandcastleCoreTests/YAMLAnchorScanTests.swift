import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Anchors and aliases are found in the text, before any parser expands them.
@Suite struct YAMLAnchorScanTests {
    @Test(arguments: [
        ("a: &x 1\nb: *x\n", 1), ("a: 1\nb: *x\n", 2), ("- &x [1]\n", 1), ("a: [1, *x]\n", 1), ("a: {b: &c d}\n", 1),
        ("defaults: &d\n  domain: x\n", 1), ("a: !!str &x v\n", 1), ("? &k key\n: v\n", 1),
    ])
    func anchorsAndAliasesAreFound(text: String, line: Int) {
        #expect(YAMLAnchorScan.firstAnchorOrAlias(in: text) == line, "\(text)")
    }

    @Test(arguments: [
        "a: 'x &y *z'\n", "a: \"x &y *z\"\n", "a: b # &c *d\n", "a: x&y\nb: 2*3\n", "script: |\n  echo *.txt &\n  ls &x\nnext: 1\n",
        "a: >-\n  *bold*\n", "- 'it''s &fine'\n", "url: https://x.example/a&b\n",
    ])
    func ordinaryTextIsNot(text: String) {
        #expect(YAMLAnchorScan.firstAnchorOrAlias(in: text) == nil, "\(text)")
    }

    /// A small alias bomb in the configuration is refused at once, naming the line.
    @Test func anAliasBombInTheConfigurationIsRefusedBeforeExpansion() {
        let levels = (1...30).map { level in "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]" }
        let text = "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nl0: &l0 [lol]\n" + levels.joined(separator: "\n") + "\n"
        let started = Date()
        do {
            _ = try ConfigLoader.parse(text, file: "bomb.yaml")
            Issue.record("accepted an alias bomb")
        } catch {
            #expect(error.description.contains("bomb.yaml:3"), "\(error.description)")
            #expect(error.description.contains("YAML anchors and aliases are not supported"))
        }
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test func anAnchorInTheConfigurationIsRefusedAsDocumented() {
        let text =
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\ndefaults: &d\n  domain: preview.example.com\nrepositories: [{name: acme/shop}]\n"
        #expect(throws: ConfigError.self) { _ = try ConfigLoader.parse(text, file: "c.yaml") }
    }
}

/// A secret written where a reference belongs is never repeated in an error, in any shape.
@Suite struct InlineSecretTests {
    static let secret = "ghp_9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a"

    @Test(arguments: [
        "forge:\n  github:\n    token: SECRET\n", "forge:\n  github:\n    token: {env: \"SECRET-x\"}\n",
        "forge:\n  github:\n    token: {file: a, env: SECRET}\n", "forge:\n  github:\n    token: [SECRET]\n",
        "forge:\n  github:\n    token: {env: SECRET\n", "forge:\n  github:\n    token: \"SECRET\n  apiURL: x\n",
        "forge:\n  github:\n    webhookSecret: {value: SECRET}\n",
    ])
    func theValueIsNeverEchoed(snippet: String) {
        let text =
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\n" + snippet.replacingOccurrences(of: "SECRET", with: Self.secret)
            + "repositories: [{name: acme/shop}]\n"
        do {
            _ = try ConfigLoader.parse(text, file: "c.yaml")
            Issue.record("accepted \(snippet)")
        } catch {
            #expect(!error.description.contains(Self.secret), "echoed: \(error.description)")
            #expect(!error.description.contains("9f8e7d6c"), "echoed in part: \(error.description)")
            #expect(error.description.contains("c.yaml"), "names the file: \(error.description)")
        }
    }
}
