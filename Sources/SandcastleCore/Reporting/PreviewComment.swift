import Foundation

/// The one sticky comment Sandcastle keeps on a pull request, rendered as Markdown.
///
/// The body starts with a hidden marker that identifies the comment so it is edited in place.
public struct PreviewComment: Sendable, Hashable {
    /// One stage's state, as shown in the comment's table.
    public struct Stage: Sendable, Hashable {
        public var context: CommitStatus.Context
        public var state: CommitStatus.State
        public var description: String

        public init(context: CommitStatus.Context, state: CommitStatus.State, description: String) {
            self.context = context
            self.state = state
            self.description = description
        }
    }

    /// What was removed when the preview was torn down.
    public struct TeardownReceipt: Sendable, Hashable {
        public var at: Date
        public var reason: String
        public var namespace: String
        /// `true` once the sink confirmed that nothing is left.
        public var confirmedGone: Bool

        public init(at: Date, reason: String, namespace: String, confirmedGone: Bool) {
            self.at = at
            self.reason = reason
            self.namespace = namespace
            self.confirmedGone = confirmedGone
        }
    }

    public var key: PreviewKey
    public var url: String?
    public var sha: String
    public var stages: [Stage]
    public var expiresAt: Date?
    /// 1-based position while the preview waits for a free slot.
    public var queuePosition: Int?
    public var teardown: TeardownReceipt?
    /// A line shown prominently, e.g. the expiry warning or the preserve pin.
    public var notice: String?

    public init(
        key: PreviewKey, url: String?, sha: String, stages: [Stage] = [], expiresAt: Date? = nil, queuePosition: Int? = nil,
        teardown: TeardownReceipt? = nil
    ) {
        self.key = key
        self.url = url
        self.sha = sha
        self.stages = stages
        self.expiresAt = expiresAt
        self.queuePosition = queuePosition
        self.teardown = teardown
    }

    /// The hidden marker the comment starts with; found again to edit it in place.
    public static let marker = "<!-- sandcastle:preview -->"

    /// The comment's Markdown body. Deterministic: the same comment renders the same text.
    public var markdown: String {
        var lines = [Self.marker]
        if let teardown {
            lines.append("### Preview removed")
            lines.append("")
            lines.append("Torn down at \(RFC3339.string(teardown.at)): \(Self.escape(teardown.reason)).")
            lines.append(
                teardown.confirmedGone
                    ? "Namespace `\(teardown.namespace)` and everything in it are gone."
                    : "Namespace `\(teardown.namespace)` is being deleted; Sandcastle keeps checking until it is gone.")
            lines.append("")
            lines.append("Last deployed commit: `\(sha.prefix(12))`.")
            return lines.joined(separator: "\n")
        }
        lines.append("### Preview environment")
        lines.append("")
        if let notice {
            lines.append("> **Note:** \(Self.escape(notice))")
            lines.append("")
        }
        if let queuePosition {
            lines.append("Waiting for a free slot: position **\(queuePosition)** in the queue.")
        } else if let url {
            lines.append("**URL:** \(url)")
        }
        lines.append("**Commit:** `\(sha.prefix(12))`")
        if let expiresAt { lines.append("**Expires:** \(RFC3339.string(expiresAt)) (add the `preserve` label to keep it longer)") }
        if !stages.isEmpty {
            lines.append("")
            lines.append("| Stage | State | Detail |")
            lines.append("|---|---|---|")
            for stage in stages {
                lines.append(
                    "| \(stage.context.rawValue) | \(Self.symbol(stage.state)) \(stage.state.rawValue) | \(Self.escape(stage.description)) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func symbol(_ state: CommitStatus.State) -> String {
        switch state {
        case .pending: "⏳"
        case .success: "✅"
        case .failure: "❌"
        case .error: "⚠️"
        }
    }

    /// Keeps table cells on one line and neutralises Markdown/HTML in text that may come from a PR.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
