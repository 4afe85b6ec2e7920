import Foundation
import SandcastleCore

/// The outcome of `sandcastle github check`.
public typealias GitHubAccessReport = AccessCheckReport

extension GitHubClient {
    /// What a GitHub App installation token needs, per permission name.
    static let requiredAppPermissions: [(name: String, level: String, reason: String)] = [
        ("pull_requests", "read", "read pull requests"),
        ("contents", "read", "fetch the PR's head commit with git"),
        ("statuses", "write", "set commit statuses"),
        ("deployments", "write", "create deployments"),
        ("issues", "write", "write the sticky comment"),
    ]

    /// Checks the credential, then each repository: reachable, pull requests readable, and enough
    /// permission to report. Never throws; every problem becomes a finding.
    public func checkAccess(to repositories: [RepositoryName]) async -> GitHubAccessReport {
        var report = GitHubAccessReport()
        let isApp = await authenticator.isApp
        do {
            let login = try await ownLogin()
            report.findings.append(.init(subject: "credentials", ok: true, detail: "\(configuration.credential) authenticates as \(login)"))
        } catch {
            report.findings.append(.init(subject: "credentials", ok: false, detail: Self.explainCredentialFailure(error, isApp: isApp)))
            return report
        }
        for repository in repositories {
            report.findings.append(await checkRepository(repository, isApp: isApp))
        }
        return report
    }

    private func checkRepository(_ repository: RepositoryName, isApp: Bool) async -> GitHubAccessReport.Finding {
        let subject = repository.description
        do {
            var missing: [String] = []
            if isApp {
                let permissions = try await authenticator.installationPermissions(for: repository) ?? [:]
                for need in Self.requiredAppPermissions {
                    let has = permissions[need.name]
                    let enough = has == need.level || (need.level == "read" && has == "write") || has == "admin"
                    if !enough { missing.append("\(need.name): \(need.level) (to \(need.reason)); the installation has \(has ?? "none")") }
                }
            } else {
                struct Repo: Decodable {
                    struct Permissions: Decodable { var push: Bool? }
                    var permissions: Permissions?
                }
                let (request, response) = try await send(.GET, url(Self.path(repository)), about: repository)
                if response.status == 404 {
                    return .init(subject: subject, ok: false, detail: "not found, or the token cannot see it")
                }
                let repo = try GitHubJSON.decode(Repo.self, response, request: request)
                if repo.permissions?.push != true {
                    missing.append("write access (to set statuses, deployments and the comment); the token can only read")
                }
            }
            let (request, response) = try await send(.GET, url(Self.path(repository) + "/pulls?state=open&per_page=1"), about: repository)
            try GitHubJSON.check(response, request: request)
            if !missing.isEmpty { return .init(subject: subject, ok: false, detail: "missing permission: " + missing.joined(separator: "; ")) }
            return .init(subject: subject, ok: true, detail: "pull requests readable; statuses, deployments and comments writable")
        } catch GitHubError.appNotInstalled {
            return .init(subject: subject, ok: false, detail: "the GitHub App is not installed on \(repository); install it on this repository")
        } catch {
            return .init(subject: subject, ok: false, detail: String(describing: error))
        }
    }

    private static func explainCredentialFailure(_ error: any Error, isApp: Bool) -> String {
        switch error {
        case GitHubError.status(_, 401, let message):
            isApp
                ? "GitHub refused the App's JWT (\(message)): check the App id and that the private key belongs to this App"
                : "GitHub refused the token (\(message)): it is wrong, expired or revoked"
        case GitHubError.badPrivateKey(let reason): "the App's private key cannot be used: \(reason)"
        default: String(describing: error)
        }
    }
}
