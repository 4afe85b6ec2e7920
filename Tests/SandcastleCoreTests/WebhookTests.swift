import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite struct WebhookTests {
    // GitHub's documented test vector.
    static let secret = "It's a Secret to Everybody"
    static let payload = "Hello, World!"
    static let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    @Test func documentedTestVectorVerifies() {
        let verifier = WebhookSignature(secret: Array(Self.secret.utf8))
        #expect(verifier.sign(Array(Self.payload.utf8)) == Self.signature)
        #expect(verifier.isValid(header: Self.signature, body: Array(Self.payload.utf8)))
    }

    @Test(
        arguments: [
            nil,
            "",
            "sha256=",
            "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
            "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E1",
            "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17aa",
        ] as [String?])
    func forgedOrMalformedSignaturesAreRejected(header: String?) {
        #expect(!WebhookSignature(secret: Array(Self.secret.utf8)).isValid(header: header, body: Array(Self.payload.utf8)))
    }

    @Test func wrongSecretIsRejected() {
        #expect(!WebhookSignature(secret: Array("another secret".utf8)).isValid(header: Self.signature, body: Array(Self.payload.utf8)))
    }

    @Test func reserializedBodyIsRejected() throws {
        let body = try Fixtures.data("github-webhooks/pull_request.opened.payload.json")
        let verifier = WebhookSignature(secret: Array("s3cret".utf8))
        let header = verifier.sign(body)
        #expect(verifier.isValid(header: header, body: body))
        let reserialized = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: body), options: [.sortedKeys])
        #expect(reserialized != body)
        #expect(!verifier.isValid(header: header, body: reserialized))
    }

    @Test(arguments: try! Fixtures.names(in: "github-webhooks"))
    func everyFixturePayloadDecodes(file: String) throws {
        let event = String(file.prefix { $0 != "." })
        let decoded = try WebhookDecoder.decode(event: event, body: try Fixtures.data("github-webhooks/" + file))
        switch event {
        case "pull_request":
            guard case .pullRequest(let action, let snapshot, let sender, _) = decoded else {
                Issue.record("\(file) decoded as \(decoded)")
                return
            }
            #expect(file.contains(".\(action)."))
            #expect(snapshot.key == PreviewKey(repository: RepositoryName(owner: "Codertocat", name: "Hello-World"), number: 2))
            #expect(snapshot.headSHA == "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
            #expect(snapshot.labels == ["bug"])
            #expect(!snapshot.isFromFork)
            #expect(sender == "Codertocat")
            #expect(snapshot.state == (action == "closed" ? .closed : .open))
            #expect(snapshot.draft == (action == "converted_to_draft"))
        case "issue_comment":
            // The recorded comment is on issue #1, which is not a pull request.
            #expect(decoded == .issueComment(key: PreviewKey(repository: RepositoryName(owner: "Codertocat", name: "Hello-World"), number: 1)))
            #expect(decoded.previewKey == nil)
        case "ping":
            guard case .ping(let zen, _) = decoded else { Issue.record("ping decoded as \(decoded)"); return }
            #expect(!zen.isEmpty)
        default:
            #expect(decoded == .ignored(event: event))
        }
    }

    @Test func labeledEventCarriesTheLabel() throws {
        let decoded = try WebhookDecoder.decode(event: "pull_request", body: try Fixtures.data("github-webhooks/pull_request.labeled.payload.json"))
        guard case .pullRequest(_, _, _, let label) = decoded else { Issue.record("not a PR event"); return }
        #expect(label == "bug")
        #expect(decoded.previewKey?.number == 2)
    }

    @Test(arguments: [
        ("pull_request", "{", "not valid JSON"),
        ("pull_request", "<html>502 Bad Gateway</html>", "not valid JSON"),
        ("pull_request", #"{"action":"opened"}"#, "missing field number"),
        ("issue_comment", #"{"action":"created","issue":{"number":"x"}}"#, "unexpected value at issue.number"),
        ("ping", "[]", "unexpected value"),
    ])
    func malformedPayloadsNameTheProblem(event: String, body: String, fragment: String) {
        #expect {
            try WebhookDecoder.decode(event: event, body: Data(body.utf8))
        } throws: { error in
            String(describing: error).contains(fragment) && String(describing: error).contains(event)
        }
    }

    @Test func commentOnAPullRequestIsAReconcileHint() throws {
        var json = try JSONSerialization.jsonObject(with: try Fixtures.data("github-webhooks/issue_comment.created.payload.json")) as! [String: Any]
        var issue = json["issue"] as! [String: Any]
        issue["pull_request"] = ["url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"]
        json["issue"] = issue
        let decoded = try WebhookDecoder.decode(event: "issue_comment", body: try JSONSerialization.data(withJSONObject: json))
        #expect(decoded.previewKey == PreviewKey(repository: RepositoryName(owner: "Codertocat", name: "Hello-World"), number: 1))
    }

    @Test func forkWithDeletedHeadRepository() throws {
        var json = try JSONSerialization.jsonObject(with: try Fixtures.data("github-webhooks/pull_request.opened.payload.json")) as! [String: Any]
        var pr = json["pull_request"] as! [String: Any]
        var head = pr["head"] as! [String: Any]
        head["repo"] = NSNull()
        pr["head"] = head
        json["pull_request"] = pr
        let decoded = try WebhookDecoder.decode(event: "pull_request", body: try JSONSerialization.data(withJSONObject: json))
        guard case .pullRequest(_, let snapshot, _, _) = decoded else { Issue.record("not a PR"); return }
        #expect(snapshot.isFromFork)
    }
}
