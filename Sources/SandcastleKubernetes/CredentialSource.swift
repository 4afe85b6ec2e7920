import Foundation
import SandcastleCore

/// Produces the `Authorization` header: a fixed token, a token file re-read each minute (projected
/// tokens rotate), or an exec plugin's token cached until it expires.
final class CredentialSource: Sendable {
    private let credentials: KubeConfig.Credentials
    private let cached = LockedValue<(value: String, until: Date)?>(nil)

    init(_ credentials: KubeConfig.Credentials) { self.credentials = credentials }

    func authorization() async throws -> String? {
        switch credentials {
        case .none, .clientCertificate: return nil
        case .token(let token): return "Bearer \(token)"
        case .tokenFile(let path):
            if let cached = cached.withLock({ $0 }), cached.until > Date() { return cached.value }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubernetesError.credentials("cannot read the token file \(path)")
            }
            let value = "Bearer " + String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            cached.withLock { $0 = (value, Date().addingTimeInterval(60)) }
            return value
        case .exec(let plugin):
            if let cached = cached.withLock({ $0 }), cached.until > Date() { return cached.value }
            let (token, expiry) = try Self.run(plugin)
            let value = "Bearer \(token)"
            cached.withLock { $0 = (value, expiry ?? Date().addingTimeInterval(300)) }
            return value
        }
    }

    /// Runs an exec credential plugin and reads `status.token` (and `expirationTimestamp`) of the
    /// `ExecCredential` it prints.
    static func run(_ plugin: KubeConfig.ExecPlugin) throws -> (String, Date?) {
        guard let executable = Subprocess.locate(plugin.command) else {
            throw KubernetesError.credentials("exec plugin '\(plugin.command)' not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = plugin.arguments
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in plugin.environment { environment[name] = value }
        environment["KUBERNETES_EXEC_INFO"] = #"{"apiVersion":"\#(plugin.apiVersion)","kind":"ExecCredential","spec":{"interactive":false}}"#
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw KubernetesError.credentials("exec plugin '\(plugin.command)' could not start") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KubernetesError.credentials("exec plugin '\(plugin.command)' exited with \(process.terminationStatus)")
        }
        guard let credential = try? ManifestValue.parseJSON(data).object, let token = credential.value(at: "status.token")?.string else {
            throw KubernetesError.credentials("exec plugin '\(plugin.command)' printed no ExecCredential with status.token")
        }
        let expiry = credential.value(at: "status.expirationTimestamp")?.string.flatMap(RFC3339.date)
        return (token, expiry)
    }
}
