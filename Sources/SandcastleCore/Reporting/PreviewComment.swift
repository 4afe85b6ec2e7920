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

    /// How long one stage took.
    public struct StageTime: Sendable, Hashable {
        public var stage: String
        public var seconds: Double

        public init(_ stage: String, seconds: Double) {
            self.stage = stage
            self.seconds = seconds
        }
    }

    /// The last output of a failed hook Job (its termination message): text from the PR's code,
    /// shown collapsed, in a code block, bounded.
    public struct HookOutput: Sendable, Hashable {
        public var stage: String
        public var job: String
        public var namespace: String
        public var text: String

        public init(stage: String, job: String, namespace: String, text: String) {
            self.stage = stage
            self.job = job
            self.namespace = namespace
            self.text = text
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
    /// What is wrong with the PR's bundle, one problem each (text from the PR: shown inert).
    public var problems: [String] = []
    /// Seconds each stage took (`apply`, `rollout`), shown once the preview is ready.
    public var durations: [StageTime] = []
    /// The last output of each failed hook.
    public var hookOutputs: [HookOutput] = []
    /// Longest hook output shown (its tail), in characters and lines.
    public static let maxOutput = 2_000
    public static let maxOutputLines = 40

    /// GitHub refuses comments over 65,536 characters; the comment stays well below.
    public static let maxLength = 60_000
    /// Problems listed before "…and N more problems".
    public static let maxProblems = 50
    /// Longest text shown from one stage detail or problem.
    public static let maxDetail = 500

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
            lines.append("Torn down at \(RFC3339.string(teardown.at)): \(Self.plain(teardown.reason)).")
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
            lines.append("> **Note:** \(Self.plain(notice))")
            lines.append("")
        }
        if let queuePosition {
            lines.append("Waiting for a free slot: position **\(queuePosition)** in the queue.")
        } else if let url {
            lines.append("**URL:** \(url)")
        }
        lines.append("**Commit:** `\(sha.prefix(12))`")
        if !durations.isEmpty {
            lines.append("**Took:** " + durations.map { "\($0.stage) \(Self.seconds($0.seconds))" }.joined(separator: ", "))
        }
        if let expiresAt { lines.append("**Expires:** \(RFC3339.string(expiresAt)) (add the `preserve` label to keep it longer)") }
        if !stages.isEmpty {
            lines.append("")
            lines.append("| Stage | State | Detail |")
            lines.append("|---|---|---|")
            for stage in stages {
                lines.append(
                    "| \(stage.context.rawValue) | \(Self.symbol(stage.state)) \(stage.state.rawValue) | \(Self.inert(stage.description, inTable: true)) |"
                )
            }
        }
        for output in hookOutputs {
            lines.append("")
            lines.append(
                "<details><summary>\(Self.plain(output.stage)) output (<code>kubectl logs -n \(Self.plain(output.namespace)) job/\(Self.plain(output.job))</code>)</summary>"
            )
            lines.append("")
            lines += Self.codeBlock(output.text)
            lines.append("")
            lines.append("</details>")
        }
        if !problems.isEmpty {
            lines.append("")
            lines.append("**Problems:**")
            var length = lines.reduce(0) { $0 + $1.count + 1 }
            var shown = 0
            for problem in problems.prefix(Self.maxProblems) {
                let line = "- " + Self.inert(problem)
                if length + line.count > Self.maxLength - 200 { break }
                lines.append(line)
                length += line.count + 1
                shown += 1
            }
            if shown < problems.count { lines.append("- …and \(problems.count - shown) more problems") }
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f s", value) : value < 120 ? "\(Int(value.rounded())) s" : "\(Int(value / 60)) min \(Int(value) % 60) s"
    }

    private static func symbol(_ state: CommitStatus.State) -> String {
        switch state {
        case .pending: "⏳"
        case .success: "✅"
        case .failure: "❌"
        case .error: "⚠️"
        }
    }

    /// Sandcastle's own text (a notice, a teardown reason): one line, HTML neutralised.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Text that may come from a PR, as a fenced code block: its tail (at most ``maxOutput``
    /// characters and ``maxOutputLines`` lines), control characters removed, and a fence longer
    /// than any run of backticks or tildes in it, so nothing inside is read as Markdown or HTML.
    public static func codeBlock(_ text: String) -> [String] {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                scalars.append(" ")
            } else if scalar == "\n" || !(scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format) {
                scalars.append(scalar)
            }
        }
        let clean = String(scalars)
        var tail = clean.split(separator: "\n", omittingEmptySubsequences: false).suffix(maxOutputLines).joined(separator: "\n")
        if tail.count > maxOutput { tail = "…" + String(tail.suffix(maxOutput - 1)) }
        var longest = 0, run = 0
        for character in tail {
            run = character == "`" || character == "~" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + "text"] + tail.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + [fence]
    }

    /// Text that may come from a PR, made inert: a code span (no links, images, mentions, emphasis
    /// or HTML inside), one line, control characters removed, at most ``maxDetail`` characters,
    /// and in a table cell `|` escaped so the row holds.
    public static func inert(_ text: String, inTable: Bool = false) -> String {
        var clean = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 }.filter {
                    !($0.properties.generalCategory == .control || $0.properties.generalCategory == .format)
                }))
        clean = clean.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        if clean.count > maxDetail { clean = String(clean.prefix(maxDetail - 1)) + "…" }
        if clean.isEmpty { return "" }
        if inTable { clean = clean.replacingOccurrences(of: "|", with: "\\|") }
        var longest = 0, run = 0
        for character in clean {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = clean.hasPrefix("`") || clean.hasSuffix("`") ? " " : ""
        return fence + pad + clean + pad + fence
    }
}
