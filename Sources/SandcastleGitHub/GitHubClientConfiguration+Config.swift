import Foundation
import SandcastleCore

extension GitHubClientConfiguration {
    /// The client settings `config` describes: API URL, credential (secrets read now) and the
    /// repositories of `catalog` (by default those of the file). `nil` when no credential is configured.
    public static func from(
        _ config: SandcastleConfig, catalog: (any RepositoryCatalog)? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GitHubClientConfiguration? {
        guard let credential = try GitHubCredential.from(config.forge.auth, environment: environment) else { return nil }
        return GitHubClientConfiguration(apiURL: config.forge.apiURL, credential: credential, repositories: catalog ?? RepositoryList(config))
    }
}
