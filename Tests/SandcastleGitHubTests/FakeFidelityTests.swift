import AsyncHTTPClient
import Foundation
import NIOFoundationCompat
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleGitHub

/// The fake's pull request objects have the shape of GitHub's (the recorded webhook payloads carry
/// the same object as the REST API).
@Suite("Fake GitHub fidelity")
struct FakeFidelityTests {
    typealias H = GitHubHarness

    /// The keys of `object` at every path, e.g. `head.repo.id`.
    static func paths(_ object: Any, prefix: String = "") -> Set<String> {
        guard let dictionary = object as? [String: Any] else { return [] }
        var result: Set<String> = []
        for (key, value) in dictionary {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            result.insert(path)
            result.formUnion(paths(value, prefix: path))
        }
        return result
    }

    @Test func pullRequestObjectsHaveTheFieldsGitHubSends() async throws {
        let fixture = try JSONSerialization.jsonObject(with: try Fixtures.data("github-webhooks/pull_request.opened.payload.json")) as! [String: Any]
        let real = Self.paths(fixture["pull_request"]!)
        let read = [
            "number", "state", "draft", "labels", "head.sha", "head.ref", "head.repo.id", "head.repo.full_name", "base.repo.id",
            "base.repo.full_name", "user.login", "created_at", "updated_at", "merged_at",
        ]
        #expect(Set(read).isSubset(of: real), "the client reads fields GitHub sends")
        try await H.with(setup: { await $0.putPullRequest(H.repo, number: 1, sha: H.sha(1), labels: ["preview"]) }) { h in
            var request = HTTPClientRequest(url: h.server.apiURL + "/repos/acme/shop/pulls/1")
            request.headers.add(name: "Authorization", value: "Bearer \(H.token)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            let fake = Self.paths(try JSONSerialization.jsonObject(with: Data(buffer: body)))
            #expect(Set(read).isSubset(of: fake), "missing: \(Set(read).subtracting(fake))")
        }
        // The fixture's object decodes through the same type the client uses.
        let object = try GitHubPullRequestObject.decoder.decode(
            GitHubPullRequestObject.self, from: try JSONSerialization.data(withJSONObject: fixture["pull_request"]!))
        #expect(object.number == fixture["number"] as? Int)
    }
}
