import Foundation

/// Runs the built `sandcastle` executable as a user would, capturing output and exit status.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

public enum SandcastleExecutable {
    /// The `sandcastle` binary next to the running test bundle (SwiftPM's products directory).
    public static var path: String {
        let fm = FileManager.default
        var candidates: [URL] = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let binary = directory.appendingPathComponent("sandcastle").path
            if fm.isExecutableFile(atPath: binary) { return binary }
        }
        return candidates[0].appendingPathComponent("sandcastle").path
    }

    /// Runs `sandcastle arguments…` in `directory`, with an empty standard input.
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let outURL = URL(fileURLWithPath: scratch.path + "/out"), errURL = URL(fileURLWithPath: scratch.path + "/err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return CommandResult(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}
