/// Gives previews their own database on a shared server.
public protocol DatabaseProvisioning: Sendable {
    /// Creates (or finds) the preview's role and database, seeded from `checkout`, and returns
    /// the Secret that hands its credentials to the preview. Idempotent.
    func ensureSecret(for key: PreviewKey, names: PreviewNames, settings: DatabaseSettings, checkout: String) async throws -> Manifest
    /// Drops the preview's database and role; `false` when there was none.
    func drop(identifier: String) async throws -> Bool
    /// Drops databases of previews not in `live` once `confirm` says their PR is closed; returns their names.
    func reapOrphans(live: Set<PreviewKey>, confirm: @Sendable (PreviewKey) async -> Bool) async throws -> [String]
}
