import Foundation

/// GitHub's pull request object, as found in `pull_request` webhooks and REST responses (only the
/// fields Sandcastle reads). Decode with ISO 8601 dates.
public struct GitHubPullRequestObject: Decodable, Sendable {
    public struct User: Decodable, Sendable { public var login: String }
    public struct Label: Decodable, Sendable { public var name: String }
    public struct Repository: Decodable, Sendable {
        public var id: Int
        public var full_name: String
    }
    public struct Branch: Decodable, Sendable {
        public var sha: String
        public var ref: String
        /// `nil` when the head fork was deleted.
        public var repo: Repository?
    }

    public var number: Int
    public var state: String
    public var draft: Bool?
    public var merged: Bool?
    /// REST listings leave `merged` out; a set `merged_at` means merged.
    public var merged_at: Date?
    public var labels: [Label]
    public var head: Branch
    public var base: Branch
    public var user: User
    public var created_at: Date
    public var updated_at: Date

    /// The snapshot of this PR in `repository` (`OWNER/NAME`, id): validates state, SHA and name.
    public func snapshot(repository fullName: String, repositoryID: Int, event: String = "pull_request") throws(WebhookDecodingError)
        -> PullRequestSnapshot
    {
        guard let repository = RepositoryName(parsing: fullName) else {
            throw WebhookDecodingError(event: event, message: "repository.full_name '\(fullName)' is not OWNER/NAME")
        }
        guard let state = PullRequestSnapshot.State(rawValue: state) else {
            throw WebhookDecodingError(event: event, message: "pull_request.state '\(self.state)' is neither open nor closed")
        }
        guard RenderContext.isCommitSHA(head.sha) else {
            throw WebhookDecodingError(event: event, message: "pull_request.head.sha is not a 40-hex commit id")
        }
        return PullRequestSnapshot(
            key: PreviewKey(repository: repository, number: number), state: state,
            merged: merged ?? (merged_at != nil), draft: draft ?? false,
            labels: labels.map(\.name), headSHA: head.sha, headRef: head.ref,
            headRepositoryID: head.repo?.id, baseRepositoryID: base.repo?.id ?? repositoryID,
            author: user.login, createdAt: created_at, lastActivityAt: updated_at)
    }

    /// A JSON decoder for GitHub's payloads (ISO 8601 dates).
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
