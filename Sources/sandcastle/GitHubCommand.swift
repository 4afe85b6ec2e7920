import ArgumentParser
import Foundation
import SandcastleCore
import SandcastleGitHub

/// `sandcastle github …`: commands that talk to GitHub.
struct GitHubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "github",
        abstract: "Talk to GitHub with the configured credentials.",
        subcommands: [GitHubCheckCommand.self]
    )
}

/// `sandcastle github check -c FILE`: verifies credentials and access for each repository.
struct GitHubCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the GitHub credentials and what they may do on each configured repository.",
        discussion: "Prints one line per check. Exit code 0 when everything works, 1 otherwise."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let settings: GitHubClientConfiguration?
        do {
            settings = try GitHubClientConfiguration.from(config)
        } catch {
            throw InvalidInput("\(options.config): forge.github: \(error)")
        }
        guard let settings else {
            throw InvalidInput("\(options.config): forge.github: no credentials configured; set 'token' or 'app'")
        }
        let client: GitHubClient
        do {
            client = try GitHubClient(configuration: settings)
        } catch {
            print("FAIL credentials: \(error)")
            throw ExitCode(1)
        }
        let report = await client.checkAccess(to: config.repositories.map(\.name))
        try? await client.shutdown()
        print("GitHub API \(settings.apiURL)")
        for finding in report.findings {
            print("\(finding.ok ? "ok  " : "FAIL") \(finding.subject): \(finding.detail)")
        }
        if !report.ok { throw ExitCode(1) }
    }
}
