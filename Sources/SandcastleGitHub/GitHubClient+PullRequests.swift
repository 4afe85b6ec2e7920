import Foundation
import SandcastleCore

extension GitHubClient: PullRequestSource {
    /// Every open PR of `repository`, oldest first. Throws ``GitHubError/incompleteListing`` unless
    /// every page was read and decoded.
    public func openPullRequests(in repository: RepositoryName) async throws -> [PullRequestSnapshot] {
        let first = url(Self.path(repository) + "/pulls?state=open&per_page=100&sort=created&direction=asc")
        let objects: [GitHubPullRequestObject]
        do {
            objects = try await paginate(GitHubPullRequestObject.self, first, about: repository)
        } catch let failure as PageFailure {
            throw GitHubError.incompleteListing(repository: repository.description, page: failure.page, cause: String(describing: failure.cause))
        }
        var snapshots: [PullRequestSnapshot] = []
        for object in objects {
            do {
                snapshots.append(try object.snapshot(repository: repository.description, repositoryID: object.base.repo?.id ?? 0))
            } catch {
                throw GitHubError.incompleteListing(repository: repository.description, page: 0, cause: "PR #\(object.number): \(error)")
            }
        }
        if configuration.listingsResolveLabelGrants {
            for index in snapshots.indices { snapshots[index].labelGrant = await labelGrant(for: snapshots[index]) }
        }
        return snapshots
    }

    /// One PR, read directly (to confirm closure before a teardown); `nil` on 404.
    public func pullRequest(_ key: PreviewKey) async throws -> PullRequestSnapshot? {
        let (request, response) = try await send(.GET, url(Self.path(key.repository) + "/pulls/\(key.number)"), about: key.repository)
        if response.status == 404 { return nil }
        let object = try GitHubJSON.decode(GitHubPullRequestObject.self, response, request: request)
        guard object.number == key.number else {
            throw GitHubError.malformedResponse(request: request.label, reason: "asked for #\(key.number), got #\(object.number)")
        }
        var snapshot: PullRequestSnapshot
        do {
            snapshot = try object.snapshot(repository: key.repository.description, repositoryID: object.base.repo?.id ?? 0)
        } catch {
            throw GitHubError.malformedResponse(request: request.label, reason: String(describing: error))
        }
        snapshot.labelGrant = await labelGrant(for: snapshot)
        if let required = configuration.repositories.repository(key.repository)?.settings.trigger.requiredChecks, !required.isEmpty {
            snapshot.checks = try await checks(of: snapshot.headSHA, in: key.repository)
        }
        return snapshot
    }

    /// The checks of `sha`: its check runs (latest per name) and its commit status contexts.
    /// Both lists are read conditionally (an unchanged answer is a free 304).
    func checks(of sha: String, in repository: RepositoryName) async throws -> [String: CheckOutcome] {
        struct Run: Decodable {
            var name: String
            var status: String
            var conclusion: String?
        }
        struct Runs: Decodable { var check_runs: [Run] }
        struct Combined: Decodable {
            struct Status: Decodable {
                var context: String
                var state: String
                var description: String?
            }
            var statuses: [Status]
        }
        var outcomes: [String: CheckOutcome] = [:]
        let (statusRequest, statusResponse) = try await send(
            .GET, url(Self.path(repository) + "/commits/\(sha)/status?per_page=100"), about: repository)
        for status in try GitHubJSON.decode(Combined.self, statusResponse, request: statusRequest).statuses {
            switch status.state {
            case "success": outcomes[status.context] = .success
            case "failure", "error": outcomes[status.context] = .failure(status.description ?? status.state)
            default: outcomes[status.context] = .pending
            }
        }
        let (runsRequest, runsResponse) = try await send(
            .GET, url(Self.path(repository) + "/commits/\(sha)/check-runs?per_page=100&filter=latest"), about: repository)
        for run in try GitHubJSON.decode(Runs.self, runsResponse, request: runsRequest).check_runs {
            guard run.status == "completed" else {
                outcomes[run.name] = .pending
                continue
            }
            switch run.conclusion ?? "" {
            case "success", "neutral", "skipped": outcomes[run.name] = .success
            default: outcomes[run.name] = .failure(run.conclusion ?? "failed")
            }
        }
        return outcomes
    }

    /// The permission of `user` on `repository`; `.none` for someone who is not a collaborator.
    public func permission(of user: String, in repository: RepositoryName) async throws -> Permission {
        let cacheKey = "\(repository.canonical)/\(user.lowercased())"
        if let cached = await memo.permission(cacheKey, now: clock.now, lifetime: configuration.permissionCacheLifetime) { return cached }
        let (request, response) = try await send(
            .GET, url(Self.path(repository) + "/collaborators/\(user.percentEncodedComponent)/permission"), about: repository)
        if response.status == 404 { return .none }
        struct Body: Decodable {
            var permission: String
            var role_name: String?
        }
        let body = try GitHubJSON.decode(Body.self, response, request: request)
        let permission = Permission(rawValue: body.role_name ?? "") ?? Permission(rawValue: body.permission) ?? .none
        await memo.remember(permission: permission, cacheKey, now: clock.now)
        return permission
    }

    /// Who added the PR's trigger label (the latest `labeled` event of a trigger label it still
    /// carries) and their permission. `nil` when no trigger is configured or present, or the events
    /// cannot be read; a grant with a `nil` permission when the permission cannot be read. Both leave
    /// the policy undetermined, never eligible.
    func labelGrant(for pr: PullRequestSnapshot) async -> LabelGrant? {
        guard let triggers = configuration.repositories.repository(pr.key.repository)?.settings.trigger.labels, !triggers.isEmpty else {
            return nil
        }
        let present = Set(pr.labels.map { $0.lowercased() }).intersection(triggers.map { $0.lowercased() })
        guard !present.isEmpty else { return nil }
        struct Event: Decodable {
            struct Actor: Decodable { var login: String }
            struct Label: Decodable { var name: String }
            var event: String
            var actor: Actor?
            var label: Label?
        }
        let events: [Event]
        do {
            events = try await paginate(
                Event.self, url(Self.path(pr.key.repository) + "/issues/\(pr.key.number)/events?per_page=100"), about: pr.key.repository)
        } catch {
            return nil
        }
        guard
            let labeled = events.last(where: { $0.event == "labeled" && present.contains($0.label?.name.lowercased() ?? "") }),
            let label = labeled.label?.name, let actor = labeled.actor?.login
        else { return nil }
        let permission = try? await permission(of: actor, in: pr.key.repository)
        return LabelGrant(label: label, addedBy: actor, permission: permission)
    }
}
