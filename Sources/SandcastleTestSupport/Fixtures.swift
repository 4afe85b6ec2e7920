import Foundation

/// Real payloads and responses copied from `shared/fixtures`, shipped with the test support target.
public enum Fixtures {
    /// The bytes of `Fixtures/<path>`, e.g. `github-webhooks/ping.payload.json`.
    public static func data(_ path: String) throws -> Data {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
            throw FixtureError(path: path)
        }
        do {
            return try Data(contentsOf: base.appendingPathComponent(path))
        } catch {
            throw FixtureError(path: path)
        }
    }

    /// File names under `Fixtures/<directory>`, sorted.
    public static func names(in directory: String) throws -> [String] {
        guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(directory)") else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
    }

    /// The directory holding the fixtures, for tests that hand a path to a command.
    public static func directory(_ directory: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(directory)").path
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var path: String
    public var description: String { "missing fixture \(path)" }
}
