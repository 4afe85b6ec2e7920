import Foundation

/// Where a secret comes from. The value itself never appears in configuration.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }
}
