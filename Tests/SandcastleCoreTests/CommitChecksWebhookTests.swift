import Foundation
import SandcastleCore
import Testing

/// `check_run`, `check_suite`, `workflow_run` and `status` deliveries name the commit (and, except
/// for `status`, its PRs), shaped as GitHub's webhook documentation shows them (only the fields read).
@Suite struct CommitChecksWebhookTests {
    static let sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    static let repository = #""repository":{"id":1,"full_name":"acme/shop"},"sender":{"login":"github-actions[bot]"}"#

    @Test(arguments: [
        (
            "check_run",
            #"{"action":"completed","check_run":{"id":4,"name":"build","head_sha":"\#(sha)","status":"completed","conclusion":"success","pull_requests":[{"number":42,"head":{"sha":"\#(sha)"}}]},\#(repository)}"#,
            [42]
        ),
        (
            "check_suite",
            #"{"action":"completed","check_suite":{"id":5,"head_sha":"\#(sha)","status":"completed","pull_requests":[{"number":42},{"number":43}]},\#(repository)}"#,
            [42, 43]
        ),
        ("workflow_run", #"{"action":"completed","workflow_run":{"id":6,"name":"CI","head_sha":"\#(sha)","pull_requests":[]},\#(repository)}"#, []),
        ("status", #"{"id":7,"sha":"\#(sha)","context":"ci/build","state":"success",\#(repository)}"#, []),
    ])
    func checkEventsNameTheCommitAndItsPRs(event: String, body: String, numbers: [Int]) throws {
        let decoded = try WebhookDecoder.decode(event: event, body: Data(body.utf8))
        #expect(decoded == .commitChecks(repository: RepositoryName(parsing: "acme/shop")!, sha: Self.sha, pullRequests: numbers))
        #expect(WebhookDecoder.handledEvents.contains(event))
    }

    @Test func aCheckRunWithoutItsCommitIsMalformed() {
        #expect(throws: WebhookDecodingError.self) {
            try WebhookDecoder.decode(
                event: "check_run", body: Data(#"{"action":"completed","check_run":{"name":"build"},\#(Self.repository)}"#.utf8))
        }
    }
}
