import ArgumentParser
import Foundation
import SandcastleCore
import SandcastleDatabase

/// `sandcastle db …`: the per-preview databases of the configured repositories.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "List or drop per-preview PostgreSQL databases.",
        subcommands: [DatabaseListCommand.self, DatabaseDropCommand.self])
}

extension SandcastleConfig {
    /// The provisioner of `repository`'s database settings, or an error saying why there is none.
    func provisioner(for repository: RepositoryConfig, configPath: String) throws -> PostgresProvisioner {
        guard repository.settings.database.enabled, let postgres = repository.settings.database.postgres else {
            throw InvalidInput("\(configPath): \(repository.name) has no database (database.enabled is false)")
        }
        do {
            return try PostgresProvisioner(settings: postgres)
        } catch {
            throw InvalidInput("\(configPath): \(repository.name): \(error)")
        }
    }
}

/// `sandcastle db list -c FILE [--repo OWNER/NAME]`.
struct DatabaseListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the preview databases on each configured server (and unclaimed ones with Sandcastle's prefix).")

    @OptionGroup var options: ConfigOption

    @Option(help: "Only this repository's server.")
    var repo: RepositoryName?

    func run() async throws {
        let config = try options.load()
        let repositories =
            try repo.map { [try config.configured($0, configPath: options.config)] } ?? config.repositories.filter(\.settings.database.enabled)
        guard !repositories.isEmpty else {
            print("No repository has database.enabled.")
            return
        }
        var rows = [["DATABASE", "REPO", "PR", "SEED", "SIZE", "CREATED"]]
        var seen = Set<String>()
        for repository in repositories {
            let provisioner = try config.provisioner(for: repository, configPath: options.config)
            let databases: [ProvisionedDatabase]
            do {
                databases = try await provisioner.list()
            } catch {
                throw InvalidInput("\(repository.name): \(error)")
            }
            for database in databases where seen.insert(database.name).inserted {
                rows.append([
                    database.name, database.key?.repository.description ?? "(unclaimed)", database.key.map { String($0.number) } ?? "-",
                    database.seedHash.map { String($0.prefix(12)) } ?? "-",
                    database.size.map { ByteCountFormatter.string(fromByteCount: $0, countStyle: .binary) } ?? "-",
                    database.createdAt.map { RFC3339.string($0) } ?? "-",
                ])
            }
        }
        print(TextTable.render(rows), terminator: "")
    }
}

/// `sandcastle db drop -c FILE --repo OWNER/NAME --pr N --confirm`.
struct DatabaseDropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop", abstract: "Drop one preview's database and role (terminating its connections).",
        discussion: "Requires --confirm. Only databases Sandcastle's records claim are ever dropped.")

    @OptionGroup var options: ConfigOption

    @Option(help: "The repository, OWNER/NAME, as configured.")
    var repo: RepositoryName

    @Option(help: "The pull request number.")
    var pr: Int

    @Flag(help: "Really drop it.")
    var confirm = false

    func validate() throws {
        guard confirm else { throw ValidationError("refusing to drop a database without --confirm") }
        guard pr > 0 else { throw ValidationError("--pr must be a positive number") }
    }

    func run() async throws {
        let config = try options.load()
        let repository = try config.configured(repo, configPath: options.config)
        let provisioner = try config.provisioner(for: repository, configPath: options.config)
        let key = PreviewKey(repository: repository.name, number: pr)
        let name = PreviewNames(key: key, settings: repository.settings).databaseIdentifier
        do {
            if try await provisioner.drop(identifier: name) {
                print("\(key): dropped database and role \(name)")
            } else {
                print("\(key): no database \(name); nothing to drop")
            }
        } catch {
            throw InvalidInput("\(key): \(error)")
        }
    }
}
