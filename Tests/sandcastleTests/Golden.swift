import Foundation
import SandcastleTestSupport
import Testing

/// Compares `text` with `Tests/SandcastleCoreTests/Golden/<name>` (the goldens all test targets
/// share); `SANDCASTLE_UPDATE_GOLDEN=1` rewrites the file instead.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = repositoryRoot(from: #filePath) + "/Tests/SandcastleCoreTests/Golden/" + name
    if ProcessInfo.processInfo.environment["SANDCASTLE_UPDATE_GOLDEN"] == "1" { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
    let golden = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == golden, "differs from \(name); rerun with SANDCASTLE_UPDATE_GOLDEN=1 after checking the change", sourceLocation: sourceLocation)
}
