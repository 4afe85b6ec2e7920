import Foundation
import SandcastleCore

/// How Sandcastle authenticates to GitHub. Descriptions never contain a secret.
public enum GitHubCredential: Sendable, CustomStringConvertible {
    /// A personal access token (classic or fine-grained).
    case token(String)
    /// A GitHub App: JWTs signed with its private key buy installation tokens.
    case app(id: Int, installationID: Int?, privateKeyPEM: String)

    public var description: String {
        switch self {
        case .token: "a personal access token"
        case .app(let id, _, _): "GitHub App \(id)"
        }
    }

    /// Reads the credential that `forge` refers to. Throws when a secret cannot be read.
    public static func from(_ auth: ForgeConfig.Auth, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> GitHubCredential?
    {
        switch auth {
        case .none: return nil
        case .token(let reference): return .token(try reference.resolve(environment: environment))
        case .app(let id, let installationID, let key):
            return .app(id: id, installationID: installationID, privateKeyPEM: try key.resolve(environment: environment))
        }
    }
}
