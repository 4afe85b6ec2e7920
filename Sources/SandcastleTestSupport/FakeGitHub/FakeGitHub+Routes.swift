import Crypto
import Foundation
import JWTKit
import SandcastleCore

extension FakeGitHub {
    enum Identity {
        case user(String)
        case installation(Int)
        case app

        var bucket: String {
            switch self {
            case .user(let login): "token:\(login)"
            case .installation(let id): "installation/\(id)"
            case .app: "app"
            }
        }
    }

    func handle(_ request: FakeHTTPRequest) async -> FakeHTTPResponse {
        var response = await route(request)
        var credential = "anonymous"
        if case .success(let identity) = await identify(request) { credential = identity.bucket }
        record(
            RecordedRequest(
                method: request.method, path: request.path, query: request.rawQuery, ifNoneMatch: request.headers["if-none-match"],
                credential: credential, at: clock.now, status: response.status))
        response.headers.append(("x-github-request-id", "FAKE:\(requests.count)"))
        return response
    }

    private func route(_ request: FakeHTTPRequest) async -> FakeHTTPResponse {
        var delay = 0.0
        var truncate = false
        if let index = faults.firstIndex(where: { matches($0, request) }) {
            faults[index].times -= 1
            let fault = faults[index]
            if faults[index].times <= 0 { faults.remove(at: index) }
            switch fault.kind {
            case .status(let code, let message): return Self.error(code, message)
            case .htmlOK:
                return FakeHTTPResponse(
                    status: 200, headers: [("content-type", "text/html; charset=utf-8")],
                    body: Data("<html><body><h1>Unicorn!</h1>This page is taking too long to load.</body></html>".utf8))
            case .delay(let seconds): delay = seconds
            case .truncatedJSON: truncate = true
            case .primaryRateLimit(let resetIn):
                if case .success(let identity) = await identify(request) {
                    buckets[identity.bucket] = RateBucket(remaining: 0, resetAt: clock.now.addingTimeInterval(resetIn))
                    return rateLimited(identity)
                }
            case .secondaryRateLimit(let retryAfter):
                var response = Self.error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
                if let retryAfter { response.headers.append(("retry-after", String(retryAfter))) }
                return response
            }
        }
        let identity: Identity
        switch await identify(request) {
        case .success(let found): identity = found
        case .failure(let refusal): return refusal.response
        }
        var bucket = buckets[identity.bucket] ?? RateBucket(resetAt: clock.now.addingTimeInterval(3600))
        if clock.now >= bucket.resetAt { bucket = RateBucket(resetAt: clock.now.addingTimeInterval(3600)) }
        buckets[identity.bucket] = bucket
        if bucket.remaining <= 0 { return rateLimited(identity) }

        var response = dispatch(request, identity: identity)
        if response.status != 304 { buckets[identity.bucket]!.remaining -= 1 }
        let current = buckets[identity.bucket]!
        response.headers += [
            ("x-ratelimit-limit", String(current.limit)), ("x-ratelimit-remaining", String(current.remaining)),
            ("x-ratelimit-used", String(current.limit - current.remaining)),
            ("x-ratelimit-reset", String(Int(current.resetAt.timeIntervalSince1970))), ("x-ratelimit-resource", "core"),
        ]
        if truncate, response.body.count > 2 { response.body = response.body.prefix(response.body.count / 2) }
        response.delay = delay
        return response
    }

    private func matches(_ fault: FakeGitHubFault, _ request: FakeHTTPRequest) -> Bool {
        guard fault.times > 0, request.path.contains(fault.pathContains) else { return false }
        if let method = fault.method, method != request.method { return false }
        if let page = fault.page, page != (request.query["page"].flatMap(Int.init) ?? 1) { return false }
        return true
    }

    private func rateLimited(_ identity: Identity) -> FakeHTTPResponse {
        let bucket = buckets[identity.bucket]!
        var response = Self.error(403, "API rate limit exceeded for \(identity.bucket).")
        response.headers += [
            ("x-ratelimit-limit", String(bucket.limit)), ("x-ratelimit-remaining", "0"), ("x-ratelimit-used", String(bucket.limit)),
            ("x-ratelimit-reset", String(Int(bucket.resetAt.timeIntervalSince1970))), ("x-ratelimit-resource", "core"),
        ]
        return response
    }

    struct Refusal: Error { var response: FakeHTTPResponse }

    private func identify(_ request: FakeHTTPRequest) async -> Result<Identity, Refusal> {
        guard let header = request.headers["authorization"] else {
            return .failure(Refusal(response: Self.error(401, "Requires authentication")))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else {
            return .failure(Refusal(response: Self.error(401, "Bad credentials")))
        }
        let token = String(parts[1])
        if let login = personalTokens[token] { return .success(.user(login)) }
        if let installation = installationTokens[token] {
            guard installation.expiresAt > clock.now else { return .failure(Refusal(response: Self.error(401, "Bad credentials"))) }
            return .success(.installation(installation.installation))
        }
        if token.split(separator: ".").count == 3, let app {
            do {
                let claims = try await app.keys.verify(token, as: FakeAppClaims.self)
                let now = clock.now.timeIntervalSince1970
                guard claims.iss == String(app.id) else {
                    return .failure(Refusal(response: Self.error(401, "'Issuer' claim ('iss') must be an Integer or a client ID")))
                }
                guard claims.exp > now else {
                    return .failure(
                        Refusal(
                            response: Self.error(
                                401,
                                "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
                        ))
                }
                guard claims.exp - now <= 600 else {
                    return .failure(Refusal(response: Self.error(401, "'Expiration time' claim ('exp') is too far in the future")))
                }
                guard claims.iat <= now + 1 else {
                    return .failure(
                        Refusal(
                            response: Self.error(
                                401, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")))
                }
                return .success(.app)
            } catch {
                return .failure(Refusal(response: Self.error(401, "A JSON web token could not be decoded")))
            }
        }
        return .failure(Refusal(response: Self.error(401, "Bad credentials")))
    }

    // MARK: routing

    private func dispatch(_ request: FakeHTTPRequest, identity: Identity) -> FakeHTTPResponse {
        let parts = request.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let method = request.method
        switch (method, parts.count, parts.first) {
        case ("GET", 1, "user"):
            guard case .user(let login) = identity else { return Self.error(403, "Resource not accessible by integration") }
            return Self.json(200, ["login": login, "id": 1, "type": "User"])
        case ("GET", 1, "app"):
            guard case .app = identity, let app else { return Self.error(401, "A JSON web token could not be decoded") }
            return Self.json(200, ["id": app.id, "slug": app.slug, "name": app.slug])
        case ("POST", 4, "app") where parts[1] == "installations" && parts[3] == "access_tokens":
            guard case .app = identity else { return Self.error(401, "A JSON web token could not be decoded") }
            guard let installation = Int(parts[2]), repositories.values.contains(where: { $0.installationID == installation }) else {
                return Self.error(404, "Not Found")
            }
            issuedTokens += 1
            let token = "ghs_fake\(issuedTokens)_\(installation)"
            let expiresAt = clock.now.addingTimeInterval(3600)
            installationTokens[token] = (installation, expiresAt)
            return Self.json(
                201,
                [
                    "token": token, "expires_at": RFC3339.string(expiresAt), "permissions": installationPermissions[installation] ?? [:],
                    "repository_selection": "selected",
                ])
        case (_, let count, "repos") where count >= 3:
            return repositoryRoute(request, parts: Array(parts.dropFirst()), identity: identity)
        default:
            return Self.error(404, "Not Found")
        }
    }

    private func repositoryRoute(_ request: FakeHTTPRequest, parts: [String], identity: Identity) -> FakeHTTPResponse {
        let canonical = "\(parts[0])/\(parts[1])".lowercased()
        guard var repo = repositories[canonical] else { return Self.error(404, "Not Found") }
        let rest = Array(parts.dropFirst(2))
        if rest == ["installation"], request.method == "GET" {
            guard case .app = identity else { return Self.error(401, "A JSON web token could not be decoded") }
            guard let installation = repo.installationID else { return Self.error(404, "Not Found") }
            return Self.json(200, ["id": installation, "app_id": app?.id ?? 0, "target_type": "Organization"])
        }
        // Who may see and write: collaborators by permission, the App through its installation.
        let readable: Bool
        let writable: (String) -> Bool
        let author: String
        switch identity {
        case .app:
            return Self.error(403, "Resource not accessible by integration")
        case .user(let login):
            let permission = repo.collaborators[login] ?? Permission.none
            readable = permission >= .read
            writable = { _ in permission >= .write }
            author = login
        case .installation(let id):
            readable = repo.installationID == id
            let permissions = installationPermissions[id] ?? [:]
            writable = { name in readable && permissions[name] == "write" }
            author = "\(app?.slug ?? "app")[bot]"
        }
        guard readable else { return Self.error(404, "Not Found") }
        let forbidden = Self.error(
            403, identity.isInstallation ? "Resource not accessible by integration" : "Must have push access to this repository.")
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        let host = request.headers["host"] ?? "127.0.0.1"
        let base = "http://\(host)"

        switch (request.method, rest.count, rest.first) {
        case ("GET", 0, _):
            let permission: Permission = if case .user(let login) = identity { repo.collaborators[login] ?? .none } else { .write }
            return Self.json(
                200,
                [
                    "id": repo.id, "full_name": repo.name.description, "private": true,
                    "permissions": [
                        "admin": permission >= .admin, "maintain": permission >= .maintain, "push": permission >= .write,
                        "triage": permission >= .triage, "pull": permission >= .read,
                    ],
                ])
        case ("GET", 1, "pulls"):
            let state = request.query["state"] ?? "open"
            let pulls = repo.pulls.values.filter { state == "all" || $0.state == state }.sorted { $0.number < $1.number }
            return paginated(pulls.map { pullJSON($0, repo: repo, single: false) }, request: request, base: base)
        case ("GET", 2, "pulls"):
            guard let number = Int(rest[1]), let pull = repo.pulls[number] else { return Self.error(404, "Not Found") }
            return Self.conditional(Self.json(200, pullJSON(pull, repo: repo, single: true)), request)
        case ("GET", 3, "issues") where rest[2] == "events":
            guard let number = Int(rest[1]), repo.pulls[number] != nil else { return Self.error(404, "Not Found") }
            let events: [Any] = (repo.labelEvents[number] ?? []).enumerated().map { index, event in
                ["id": index + 1, "event": "labeled", "actor": ["login": event.actor], "label": ["name": event.label, "color": "ededed"]]
            }
            return paginated(events, request: request, base: base)
        case ("GET", 3, "issues") where rest[2] == "comments":
            guard let number = Int(rest[1]), repo.pulls[number] != nil else { return Self.error(404, "Not Found") }
            return paginated(repo.comments.filter { $0.issue == number }.map(Self.commentJSON), request: request, base: base)
        case ("POST", 3, "issues") where rest[2] == "comments":
            guard let number = Int(rest[1]), repo.pulls[number] != nil else { return Self.error(404, "Not Found") }
            guard writable("issues") || writable("pull_requests") else { return forbidden }
            guard let text = body["body"] as? String, !text.isEmpty else { return Self.invalid("IssueComment", "body", "missing_field") }
            nextID += 1
            let comment = CommentRecord(id: nextID, issue: number, body: text, author: author)
            repo.comments.append(comment)
            repositories[canonical] = repo
            return Self.json(201, Self.commentJSON(comment))
        case ("PATCH", 3, "issues") where rest[1] == "comments":
            guard let id = Int(rest[2]), let index = repo.comments.firstIndex(where: { $0.id == id }) else { return Self.error(404, "Not Found") }
            guard writable("issues") || writable("pull_requests") else { return forbidden }
            guard let text = body["body"] as? String, !text.isEmpty else { return Self.invalid("IssueComment", "body", "missing_field") }
            repo.comments[index].body = text
            repositories[canonical] = repo
            return Self.json(200, Self.commentJSON(repo.comments[index]))
        case ("GET", 3, "collaborators") where rest[2] == "permission":
            let user = rest[1]
            guard let permission = repo.collaborators[user] else {
                return Self.json(200, ["permission": "none", "role_name": "none", "user": ["login": user]])
            }
            let legacy: String =
                switch permission {
                case .admin: "admin"
                case .maintain, .write: "write"
                case .triage, .read: "read"
                case .none: "none"
                }
            return Self.json(200, ["permission": legacy, "role_name": permission.rawValue, "user": ["login": user]])
        case ("POST", 2, "statuses"):
            guard writable("statuses") else { return forbidden }
            let sha = rest[1]
            guard RenderContext.isCommitSHA(sha) else { return Self.invalid("Status", "sha", "invalid") }
            guard let state = body["state"] as? String, ["error", "failure", "pending", "success"].contains(state) else {
                return Self.invalid("Status", "state", "custom", message: "state is not included in the list")
            }
            let description = body["description"] as? String
            if let description, description.count > 140 {
                return Self.invalid("Status", "description", "custom", message: "description is too long (maximum is 140 characters)")
            }
            nextID += 1
            let status = CommitStatusRecord(
                id: nextID, state: state, context: body["context"] as? String ?? "default", description: description,
                targetURL: body["target_url"] as? String)
            repo.statuses[sha, default: []].insert(status, at: 0)
            repositories[canonical] = repo
            return Self.json(201, Self.statusJSON(status))
        case ("GET", 3, "commits") where rest[2] == "status":
            // The combined status: the latest status of each context, newest first.
            var latest: [CommitStatusRecord] = []
            for status in repo.statuses[rest[1]] ?? [] where !latest.contains(where: { $0.context == status.context }) { latest.append(status) }
            let overall =
                latest.isEmpty
                ? "pending"
                : latest.contains { ["failure", "error"].contains($0.state) }
                    ? "failure"
                    : latest.allSatisfy { $0.state == "success" } ? "success" : "pending"
            return Self.json(
                200, ["state": overall, "sha": rest[1], "total_count": latest.count, "statuses": latest.map(Self.statusJSON)] as [String: Any])
        case ("GET", 3, "commits") where rest[2] == "check-runs":
            let runs: [Any] = (repo.checkRuns[rest[1]] ?? []).enumerated().map { index, run in
                ["id": index + 1, "name": run.name, "head_sha": rest[1], "status": run.status, "conclusion": run.conclusion ?? NSNull()]
                    as [String: Any]
            }
            return Self.json(200, ["total_count": runs.count, "check_runs": runs] as [String: Any])
        case ("GET", 3, "commits") where rest[2] == "statuses":
            return paginated((repo.statuses[rest[1]] ?? []).map(Self.statusJSON), request: request, base: base)
        case ("GET", 1, "deployments"):
            let matching = repo.deployments.reversed().filter { deployment in
                (request.query["environment"].map { $0 == deployment.environment } ?? true)
                    && (request.query["sha"].map { $0 == deployment.sha } ?? true)
            }
            return paginated(matching.map(Self.deploymentJSON), request: request, base: base)
        case ("POST", 1, "deployments"):
            guard writable("deployments") else { return forbidden }
            guard let ref = body["ref"] as? String, RenderContext.isCommitSHA(ref) else {
                return Self.invalid("Deployment", "ref", "invalid", message: "No ref found for: \(body["ref"] ?? "")")
            }
            nextID += 1
            let deployment = DeploymentRecord(
                id: nextID, sha: ref, environment: body["environment"] as? String ?? "production",
                transient: body["transient_environment"] as? Bool ?? false, production: body["production_environment"] as? Bool ?? true)
            repo.deployments.append(deployment)
            repositories[canonical] = repo
            return Self.json(201, Self.deploymentJSON(deployment))
        case ("GET", 3, "deployments") where rest[2] == "statuses":
            guard let id = Int(rest[1]), let deployment = repo.deployments.first(where: { $0.id == id }) else { return Self.error(404, "Not Found") }
            let statuses: [Any] = deployment.statuses.reversed().map { ["state": $0.state, "environment_url": $0.environmentURL ?? ""] }
            return paginated(statuses, request: request, base: base)
        case ("POST", 3, "deployments") where rest[2] == "statuses":
            guard writable("deployments") else { return forbidden }
            guard let id = Int(rest[1]), let index = repo.deployments.firstIndex(where: { $0.id == id }) else { return Self.error(404, "Not Found") }
            let states = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]
            guard let state = body["state"] as? String, states.contains(state) else {
                return Self.invalid("DeploymentStatus", "state", "custom", message: "state is not included in the list")
            }
            let url = body["environment_url"] as? String
            repo.deployments[index].statuses.append((state, url))
            repositories[canonical] = repo
            return Self.json(201, ["state": state, "environment_url": url ?? ""])
        default:
            return Self.error(404, "Not Found")
        }
    }

    // MARK: JSON

    private func pullJSON(_ pull: PullRequest, repo: Repository, single: Bool) -> [String: Any] {
        let repoJSON: [String: Any] = [
            "id": repo.id, "full_name": repo.name.description, "name": repo.name.name, "owner": ["login": repo.name.owner],
        ]
        var headRepo: Any = NSNull()
        if let id = pull.headRepositoryID {
            headRepo =
                id == repo.id ? repoJSON : ["id": id, "full_name": "fork/\(repo.name.name)", "name": repo.name.name, "owner": ["login": "fork"]]
        }
        var json: [String: Any] = [
            "number": pull.number, "state": pull.state, "draft": pull.draft, "title": "PR \(pull.number)",
            "labels": pull.labels.map { ["name": $0, "color": "ededed"] },
            "head": ["sha": pull.headSHA, "ref": pull.headRef, "repo": headRepo],
            "base": ["sha": String(repeating: "0", count: 40), "ref": "main", "repo": repoJSON],
            "user": ["login": pull.author], "created_at": RFC3339.string(pull.createdAt), "updated_at": RFC3339.string(pull.updatedAt),
            "merged_at": pull.merged ? RFC3339.string(pull.updatedAt) : NSNull(),
        ]
        if single { json["merged"] = pull.merged }
        return json
    }

    private static func commentJSON(_ comment: CommentRecord) -> Any {
        ["id": comment.id, "body": comment.body, "user": ["login": comment.author]]
    }

    private static func statusJSON(_ status: CommitStatusRecord) -> Any {
        [
            "id": status.id, "state": status.state, "context": status.context, "description": status.description ?? NSNull(),
            "target_url": status.targetURL ?? NSNull(),
        ]
    }

    private static func deploymentJSON(_ deployment: DeploymentRecord) -> Any {
        [
            "id": deployment.id, "sha": deployment.sha, "ref": deployment.sha, "environment": deployment.environment,
            "transient_environment": deployment.transient, "production_environment": deployment.production,
        ]
    }

    /// One page of `items` with GitHub's `Link` header and an ETag.
    private func paginated(_ items: [Any], request: FakeHTTPRequest, base: String) -> FakeHTTPResponse {
        let perPage = min(max(request.query["per_page"].flatMap(Int.init) ?? 30, 1), 100)
        let page = max(request.query["page"].flatMap(Int.init) ?? 1, 1)
        let last = max(1, (items.count + perPage - 1) / perPage)
        let slice = Array(items.dropFirst((page - 1) * perPage).prefix(perPage))
        var response = Self.json(200, slice)
        func link(_ number: Int, _ rel: String) -> String {
            var query = request.query
            query["page"] = String(number)
            let text = query.keys.sorted().map { "\($0)=\(query[$0]!.percentEncodedComponent)" }
            return "<\(base)\(request.path)?\(text.joined(separator: "&"))>; rel=\"\(rel)\""
        }
        var links: [String] = []
        if page < last { links += [link(page + 1, "next"), link(last, "last")] }
        if page > 1 { links += [link(1, "first"), link(page - 1, "prev")] }
        if !links.isEmpty { response.headers.append(("link", links.joined(separator: ", "))) }
        return Self.conditional(response, request)
    }

    /// Adds an ETag; answers `304 Not Modified` when `If-None-Match` has it.
    private static func conditional(_ response: FakeHTTPResponse, _ request: FakeHTTPRequest) -> FakeHTTPResponse {
        let etag = "\"" + SHA256.hash(data: response.body).map { String(format: "%02x", $0) }.joined().prefix(32) + "\""
        if request.headers["if-none-match"] == etag {
            return FakeHTTPResponse(status: 304, headers: [("etag", etag)])
        }
        var response = response
        response.headers.append(("etag", etag))
        return response
    }

    static func json(_ status: Int, _ object: Any) -> FakeHTTPResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return FakeHTTPResponse(status: status, headers: [("content-type", "application/json; charset=utf-8")], body: body)
    }

    static func error(_ status: Int, _ message: String) -> FakeHTTPResponse {
        json(status, ["message": message, "documentation_url": "https://docs.github.com/rest", "status": String(status)])
    }

    static func invalid(_ resource: String, _ field: String, _ code: String, message: String? = nil) -> FakeHTTPResponse {
        var detail: [String: Any] = ["resource": resource, "field": field, "code": code]
        if let message { detail["message"] = message }
        return json(422, ["message": "Validation Failed", "errors": [detail], "documentation_url": "https://docs.github.com/rest", "status": "422"])
    }

}

extension FakeGitHub.Identity {
    var isInstallation: Bool {
        if case .installation = self { return true }
        return false
    }
}

/// The claims of an App JWT, checked against the fake's clock rather than the wall clock.
struct FakeAppClaims: JWTPayload {
    var iat: Double
    var exp: Double
    var iss: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
