import Foundation

/// A secret reference that could not be read. Names the reference, never a value.
public struct SecretResolutionError: Error, Sendable, CustomStringConvertible {
    public var reference: SecretReference
    public var reason: String
    public var description: String { "cannot read the secret from \(reference): \(reason)" }
}

extension SecretReference {
    /// Reads the secret's value: the variable's value, or the file's content without a trailing newline.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretResolutionError) -> String {
        let value: String
        switch self {
        case .environment(let name):
            guard let found = environment[name] else { throw SecretResolutionError(reference: self, reason: "the variable is not set") }
            value = found
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SecretResolutionError(reference: self, reason: "the file does not exist or cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw SecretResolutionError(reference: self, reason: "the file is not UTF-8 text")
            }
            value = text
        }
        let trimmed = value.trimmingCharacters(in: .newlines)
        guard !trimmed.isEmpty else { throw SecretResolutionError(reference: self, reason: "the value is empty") }
        return trimmed
    }
}

extension RegistryConfig {
    /// The credentials, read from their references now; `nil` for an anonymous registry. (Reading
    /// secrets is resolution, kept apart from the configuration's model.)
    public func resolvedCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretResolutionError)
        -> (username: String, password: String)?
    {
        guard let password else { return nil }
        let user = usesGitHubToken ? "sandcastle" : try username?.resolve(environment: environment) ?? ""
        return (user, try password.resolve(environment: environment))
    }
}
