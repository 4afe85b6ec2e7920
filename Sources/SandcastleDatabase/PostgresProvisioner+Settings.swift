import Foundation
import SandcastleCore

extension PostgresProvisioner {
    /// The provisioner a repository's `database.postgres` settings describe (the admin secret is read now).
    public init(settings: PostgresServerSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let url: String
        do {
            url = try settings.admin.resolve(environment: environment)
        } catch {
            throw DatabaseError.adminURL(error.description)
        }
        self.init(admin: try PostgresAdmin(url: url), appHost: settings.host)
    }

    /// Ensures the database of `key` under `settings`, seeded from `checkout` (the PR's repository),
    /// and returns the Secret that carries its credentials.
    public func ensureSecret(for key: PreviewKey, names: PreviewNames, settings: DatabaseSettings, checkout: String) async throws -> Manifest {
        let seed = try settings.seed.map { path throws(DatabaseError) in try SeedSource.load(path: path, repositoryRoot: checkout) }
        let credentials = try await ensure(key, identifier: names.databaseIdentifier, seed: seed, template: settings.template)
        return credentials.secret(for: key, namespace: names.namespace)
    }
}

extension PostgresProvisioner: DatabaseProvisioning {}
