import Foundation

/// The forge (GitHub) connection.
public struct ForgeConfig: Sendable, Hashable {
    /// How Sandcastle authenticates to GitHub.
    public enum Auth: Sendable, Hashable {
        case none
        case token(SecretReference)
        case app(id: Int, installationID: Int?, privateKey: SecretReference)
    }

    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public var apiURL: String
    public var auth: Auth
    public var webhookSecret: SecretReference?
}
