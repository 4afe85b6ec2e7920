import Foundation
import SandcastleCore

extension GitHubClientConfiguration {
    /// The client settings `config` describes: API URL, credential (secrets read now) and each
    /// repository's trigger labels. `nil` when no credential is configured.
    public static func from(_ config: SandcastleConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> GitHubClientConfiguration?
    {
        guard let credential = try GitHubCredential.from(config.forge.auth, environment: environment) else { return nil }
        var labels: [RepositoryName: [String]] = [:]
        var checks: [RepositoryName: [String]] = [:]
        for repository in config.repositories {
            labels[repository.name] = repository.settings.trigger.labels
            checks[repository.name] = repository.settings.trigger.requiredChecks
        }
        var configuration = GitHubClientConfiguration(apiURL: config.forge.apiURL, credential: credential, triggerLabels: labels)
        configuration.requiredChecks = checks
        return configuration
    }
}
