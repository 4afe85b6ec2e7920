import Foundation

/// A GitHub webhook delivery decoded into what Sandcastle acts on.
public enum WebhookEvent: Sendable, Hashable {
    /// `pull_request` with any action; carries the PR as the payload shows it.
    case pullRequest(action: String, snapshot: PullRequestSnapshot, sender: String, label: String?)
    /// `issue_comment` on a pull request.
    case pullRequestComment(action: String, key: PreviewKey, author: String, body: String)
    /// `issue_comment` on an issue that is not a PR: ignored.
    case issueComment(key: PreviewKey)
    case ping(zen: String, hookID: Int?)
    /// A check run, check suite, workflow run or commit status changed on `sha` (required checks).
    case commitChecks(repository: RepositoryName, sha: String, pullRequests: [Int])
    /// Any other event, accepted and ignored.
    case ignored(event: String)

    /// The preview to reconcile, for events that concern one.
    public var previewKey: PreviewKey? {
        switch self {
        case .pullRequest(_, let snapshot, _, _): snapshot.key
        case .pullRequestComment(_, let key, _, _): key
        case .issueComment, .ping, .ignored, .commitChecks: nil
        }
    }
}

/// A payload that cannot be decoded; names the event and what was wrong.
public struct WebhookDecodingError: Error, Sendable, CustomStringConvertible {
    public var event: String
    public var message: String
    public var description: String { "cannot decode '\(event)' payload: \(message)" }
}

/// Decodes webhook payloads (the body, after its signature was verified).
public enum WebhookDecoder {
    /// The events whose payload Sandcastle reads; every other event is acknowledged and ignored.
    public static let handledEvents: Set<String> = ["pull_request", "issue_comment", "ping", "check_run", "check_suite", "workflow_run", "status"]

    /// Decodes `body` of the event named by the `X-GitHub-Event` header.
    public static func decode(event: String, body: Data) throws(WebhookDecodingError) -> WebhookEvent {
        let decoder = GitHubPullRequestObject.decoder
        do {
            switch event {
            case "pull_request":
                let payload = try decoder.decode(PullRequestPayload.self, from: body)
                let snapshot = try payload.snapshot()
                return .pullRequest(action: payload.action, snapshot: snapshot, sender: payload.sender.login, label: payload.label?.name)
            case "issue_comment":
                let payload = try decoder.decode(IssueCommentPayload.self, from: body)
                guard let repository = RepositoryName(parsing: payload.repository.full_name) else {
                    throw WebhookDecodingError(event: event, message: "repository.full_name '\(payload.repository.full_name)' is not OWNER/NAME")
                }
                let key = PreviewKey(repository: repository, number: payload.issue.number)
                guard payload.issue.pull_request != nil else { return .issueComment(key: key) }
                return .pullRequestComment(action: payload.action, key: key, author: payload.comment.user.login, body: payload.comment.body ?? "")
            case "ping":
                let payload = try decoder.decode(PingPayload.self, from: body)
                return .ping(zen: payload.zen, hookID: payload.hook_id)
            case "check_run", "check_suite", "workflow_run", "status":
                let payload = try decoder.decode(CommitChecksPayload.self, from: body)
                guard let repository = RepositoryName(parsing: payload.repository.full_name) else {
                    throw WebhookDecodingError(event: event, message: "repository.full_name '\(payload.repository.full_name)' is not OWNER/NAME")
                }
                guard let run = payload.check_run ?? payload.check_suite ?? payload.workflow_run ?? payload.statusRun else {
                    throw WebhookDecodingError(event: event, message: "missing field \(event == "status" ? "sha" : event + ".head_sha")")
                }
                return .commitChecks(repository: repository, sha: run.head_sha, pullRequests: (run.pull_requests ?? []).map(\.number))
            default:
                return .ignored(event: event)
            }
        } catch let error as WebhookDecodingError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw WebhookDecodingError(event: event, message: "missing field \(path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw WebhookDecodingError(event: event, message: "unexpected value at \(path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw WebhookDecodingError(event: event, message: "not valid JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

// MARK: payload shapes (only the fields Sandcastle reads)

struct UserPayload: Decodable { var login: String }
struct LabelPayload: Decodable { var name: String }
struct RepositoryPayload: Decodable {
    var id: Int
    var full_name: String
}

struct PullRequestPayload: Decodable {
    var action: String
    var number: Int
    var pull_request: GitHubPullRequestObject
    var label: LabelPayload?
    var sender: UserPayload
    var repository: RepositoryPayload

    func snapshot() throws(WebhookDecodingError) -> PullRequestSnapshot {
        try pull_request.snapshot(repository: repository.full_name, repositoryID: repository.id)
    }
}

struct IssueCommentPayload: Decodable {
    struct Issue: Decodable {
        struct PullRequestLink: Decodable { var url: String? }
        var number: Int
        var pull_request: PullRequestLink?
    }
    struct Comment: Decodable {
        var body: String?
        var user: UserPayload
    }
    var action: String
    var issue: Issue
    var comment: Comment
    var repository: RepositoryPayload
}

struct PingPayload: Decodable {
    var zen: String
    var hook_id: Int?
}

/// `check_run`, `check_suite`, `workflow_run` and `status` payloads: the commit and its PRs.
struct CommitChecksPayload: Decodable {
    struct Run: Decodable {
        struct PullRequest: Decodable { var number: Int }
        var head_sha: String
        var pull_requests: [PullRequest]?
    }
    var repository: RepositoryPayload
    var check_run: Run?
    var check_suite: Run?
    var workflow_run: Run?
    var sha: String?

    /// A `status` event names only the commit.
    var statusRun: Run? { sha.map { Run(head_sha: $0, pull_requests: nil) } }
}
