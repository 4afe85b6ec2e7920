/// Provides a repository's files at one commit, for rendering its bundle and loading its seed.
public protocol BundleSource: Sendable {
    /// A local directory holding `repository`'s tree at `sha`. The directory stays valid until the
    /// same repository is checked out at another commit for the same PR, or ``release(_:)``.
    func checkout(_ key: PreviewKey, sha: String) async throws -> String
    /// Forgets what was kept for `key` (after a teardown).
    func release(_ key: PreviewKey) async
}
