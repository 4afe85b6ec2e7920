/// A command written in a PR comment: a first line `/sandcastle <verb>`. Any other comment is
/// conversation and costs Sandcastle nothing (no queueing, no GitHub request).
public enum PreviewCommand: String, Sendable, Hashable, CaseIterable {
    /// Look at the PR again now (re-read it, redeploy if it changed, repair drift).
    case refresh

    /// The command in `body`, or `nil` when the comment is not one.
    public static func parse(_ body: String) -> PreviewCommand? {
        let firstLine = body.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let words = firstLine.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, words[0] == "/sandcastle" else { return nil }
        switch words[1].lowercased() {
        case "refresh", "redeploy": return .refresh
        default: return nil
        }
    }
}
