import Foundation
import SandcastleCore

/// The database provisioner of each repository with `database.enabled`, made from the catalog's
/// settings on first use and kept while those settings stay the same, so a repository added (or
/// given a database) while running gets one without a restart.
public final class DatabaseProvisioners: Sendable {
    /// Makes the provisioner of a repository's `database.postgres` (the composition root knows how).
    public typealias Make = @Sendable (RepositoryConfig) throws -> any DatabaseProvisioning

    private let make: Make
    private let made = LockedValue([RepositoryName: (server: PostgresServerSettings?, provisioner: any DatabaseProvisioning)]())

    public init(make: @escaping Make) { self.make = make }

    /// Always these provisioners, whatever the settings say (tests, tools).
    public convenience init(_ fixed: [RepositoryName: any DatabaseProvisioning]) {
        self.init { repository in
            guard let provisioner = fixed[repository.name] else { throw NoDatabaseServer(repository: repository.name) }
            return provisioner
        }
    }

    /// The provisioner for `repository` now; throws when its server cannot be reached by what is configured.
    public func provisioner(for repository: RepositoryConfig) throws -> any DatabaseProvisioning {
        let server = repository.settings.database.postgres
        if let kept = made.withLock({ $0[repository.name] }), kept.server == server { return kept.provisioner }
        let provisioner = try make(repository)
        made.withLock { $0[repository.name] = (server, provisioner) }
        return provisioner
    }

    /// The provisioner made for `name` so far, whatever the catalog says now (a teardown of a
    /// repository that left the catalog still drops its databases).
    public func existing(_ name: RepositoryName) -> (any DatabaseProvisioning)? { made.withLock { $0[name]?.provisioner } }

    /// Every provisioner of the repositories that enabled a database, by repository.
    public func all(for repositories: [RepositoryConfig]) -> [(RepositoryName, any DatabaseProvisioning)] {
        repositories.filter(\.settings.database.enabled).compactMap { repository in
            (try? provisioner(for: repository)).map { (repository.name, $0) }
        }.sorted { $0.0.canonical < $1.0.canonical }
    }
}

/// `database.enabled` is set but nothing can provision the repository's databases.
public struct NoDatabaseServer: Error, CustomStringConvertible {
    public var repository: RepositoryName
    public var description: String { "database.enabled is set but no PostgreSQL server is configured for \(repository)" }
}
