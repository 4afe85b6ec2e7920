import Foundation
import SandcastleCore

/// Runs the built `sandcastle` executable as a user would, capturing output and exit status.
public enum SandcastleExecutable {
    /// The `sandcastle` binary next to the running test bundle (SwiftPM's products directory).
    public static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        let binaries = candidates.map { $0.appendingPathComponent("sandcastle").path }
        return binaries.first { FileManager.default.isExecutableFile(atPath: $0) } ?? binaries[0]
    }

    /// Runs `sandcastle arguments…` in `directory`, with standard input closed.
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> Subprocess.Result {
        try Subprocess.run(path, arguments, in: directory)
    }

    /// Runs `sandcastle arguments…` on a thread outside Swift's cooperative pool, so that in-process
    /// fake servers keep answering while the test waits for the child.
    public static func run(_ arguments: [String], in directory: String? = nil) async throws -> Subprocess.Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Subprocess.run(path, arguments, in: directory) })
            }
        }
    }
}
