import Foundation
import SandcastleCore

extension GitHubClient: StatusReporter {
    /// Sets a commit status; skipped when this client already set the same one.
    public func setStatus(_ status: CommitStatus, on sha: String, of key: PreviewKey) async throws {
        guard RenderContext.isCommitSHA(sha) else { throw GitHubError.malformedResponse(request: "status", reason: "'\(sha)' is not a commit id") }
        let memoKey = "\(key.repository.canonical)@\(sha)#\(status.context.rawValue)"
        if await memo.status(memoKey) == status { return }
        struct Body: Encodable {
            var state: String
            var target_url: String?
            var description: String
            var context: String
        }
        let body = try GitHubJSON.encoder.encode(
            Body(state: status.state.rawValue, target_url: status.targetURL, description: status.description, context: status.context.rawValue))
        let (request, response) = try await send(.POST, url(Self.path(key.repository) + "/statuses/\(sha)"), about: key.repository, body: body)
        try GitHubJSON.check(response, request: request, expecting: [201])
        await memo.remember(status: status, memoKey)
    }

    /// Upserts the PR's Deployment for `update.sha` and its latest status; `inactive` marks every
    /// deployment of the environment inactive.
    public func reportDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws {
        try await memo.exclusively(key) {
            if update.state == .inactive {
                try await self.deactivateDeployments(update, of: key)
                return
            }
            let memoKey = "\(key.repository.canonical)#\(update.environment)@\(update.sha)"
            let id: Int
            if let known = await self.memo.deployment(memoKey) {
                if known.state == update.state { return }
                id = known.id
            } else {
                id = try await self.findOrCreateDeployment(update, of: key)
            }
            try await self.setDeploymentStatus(update, deployment: id, of: key)
            await self.memo.remember(deployment: id, state: update.state, memoKey)
        }
    }

    /// Creates the sticky comment, or edits it in place when its text changed.
    public func upsertComment(_ comment: PreviewComment) async throws {
        let key = comment.key
        let body = comment.markdown
        try await memo.exclusively(key) {
            if let known = await self.memo.comment(key) {
                if known.body == body { return }
                if try await self.editComment(known.id, body: body, of: key) {
                    await self.memo.remember(comment: known.id, body: body, key)
                    return
                }
                await self.memo.forgetComment(key)  // deleted by someone: find or post again
            }
            if let existing = try await self.findComment(of: key) {
                if existing.body != body { _ = try await self.editComment(existing.id, body: body, of: key) }
                await self.memo.remember(comment: existing.id, body: body, key)
                return
            }
            let (request, response) = try await self.send(
                .POST, self.url(Self.path(key.repository) + "/issues/\(key.number)/comments"), about: key.repository,
                body: try GitHubJSON.encoder.encode(["body": body]))
            let created = try GitHubJSON.decode(IssueComment.self, response, request: request, expecting: 201)
            await self.memo.remember(comment: created.id, body: body, key)
        }
    }

    // MARK: deployments

    private struct Deployment: Decodable {
        var id: Int
        var sha: String
        var environment: String
    }

    private struct DeploymentStatus: Decodable {
        var state: String
        var environment_url: String?
    }

    private func findOrCreateDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws -> Int {
        let base = Self.path(key.repository) + "/deployments"
        let environment = update.environment.percentEncodedComponent
        let found = try await paginate(
            Deployment.self, url("\(base)?environment=\(environment)&sha=\(update.sha)&per_page=100"), about: key.repository)
        if let existing = found.first(where: { $0.sha == update.sha && $0.environment == update.environment }) { return existing.id }
        struct Body: Encodable {
            var ref: String
            var environment: String
            var description: String
            var auto_merge = false
            var required_contexts: [String] = []
            var transient_environment = true
            var production_environment = false
        }
        let body = Body(ref: update.sha, environment: update.environment, description: "Sandcastle preview of #\(key.number)")
        let (request, response) = try await send(.POST, url(base), about: key.repository, body: try GitHubJSON.encoder.encode(body))
        return try GitHubJSON.decode(Deployment.self, response, request: request, expecting: 201).id
    }

    private func setDeploymentStatus(_ update: DeploymentUpdate, deployment id: Int, of key: PreviewKey) async throws {
        let statusesURL = url(Self.path(key.repository) + "/deployments/\(id)/statuses")
        let (latestRequest, latestResponse) = try await send(.GET, statusesURL + "?per_page=1", about: key.repository)
        let latest = try GitHubJSON.decode([DeploymentStatus].self, latestResponse, request: latestRequest).first
        // GitHub answers an unset environment_url as "".
        if let latest, latest.state == update.state.rawValue,
            update.state == .inactive || (latest.environment_url ?? "") == (update.environmentURL ?? "")
        {
            return
        }
        struct Body: Encodable {
            var state: String
            var environment_url: String?
            var description: String
            var auto_inactive = false
        }
        let body = Body(state: update.state.rawValue, environment_url: update.environmentURL, description: update.description)
        let (request, response) = try await send(.POST, statusesURL, about: key.repository, body: try GitHubJSON.encoder.encode(body))
        try GitHubJSON.check(response, request: request, expecting: [201])
    }

    private func deactivateDeployments(_ update: DeploymentUpdate, of key: PreviewKey) async throws {
        let environment = update.environment.percentEncodedComponent
        let all = try await paginate(
            Deployment.self, url(Self.path(key.repository) + "/deployments?environment=\(environment)&per_page=100"), about: key.repository)
        for deployment in all where deployment.environment == update.environment {
            var inactive = update
            inactive.sha = deployment.sha
            try await setDeploymentStatus(inactive, deployment: deployment.id, of: key)
            await memo.remember(deployment: deployment.id, state: .inactive, "\(key.repository.canonical)#\(update.environment)@\(deployment.sha)")
        }
    }

    // MARK: comments

    private struct IssueComment: Decodable {
        struct User: Decodable { var login: String }
        var id: Int
        var body: String?
        var user: User?
    }

    /// The oldest comment carrying the marker that this client's own account wrote.
    private func findComment(of key: PreviewKey) async throws -> (id: Int, body: String)? {
        let me = try await ownLogin().lowercased()
        let comments = try await paginate(
            IssueComment.self, url(Self.path(key.repository) + "/issues/\(key.number)/comments?per_page=100"), about: key.repository)
        let mine = comments.first {
            ($0.body ?? "").hasPrefix(PreviewComment.marker) && $0.user?.login.lowercased() == me
        }
        return mine.map { ($0.id, $0.body ?? "") }
    }

    /// Edits comment `id`; `false` when it no longer exists.
    private func editComment(_ id: Int, body: String, of key: PreviewKey) async throws -> Bool {
        let (request, response) = try await send(
            .PATCH, url(Self.path(key.repository) + "/issues/comments/\(id)"), about: key.repository,
            body: try GitHubJSON.encoder.encode(["body": body]))
        if response.status == 404 { return false }
        try GitHubJSON.check(response, request: request, expecting: [200])
        return true
    }

    /// The login comments are written as: the token's user, or `<app-slug>[bot]`.
    func ownLogin() async throws -> String {
        if let known = await memo.login { return known }
        let login: String
        if await authenticator.isApp {
            struct App: Decodable { var slug: String }
            let (request, response) = try await sendAsApp(.GET, url("/app"))
            login = try GitHubJSON.decode(App.self, response, request: request).slug + "[bot]"
        } else {
            struct User: Decodable { var login: String }
            let (request, response) = try await sendAsApp(.GET, url("/user"))
            login = try GitHubJSON.decode(User.self, response, request: request).login
        }
        await memo.setLogin(login)
        return login
    }

}
