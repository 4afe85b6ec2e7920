/// The outcome of checking what credentials may do (`sandcastle github check`, `sandcastle cluster
/// check`): one finding per thing checked, in plain words.
public struct AccessCheckReport: Sendable {
    /// One thing checked: what, whether it works, and in plain words why not.
    public struct Finding: Sendable, Equatable {
        public var subject: String
        public var ok: Bool
        public var detail: String

        public init(subject: String, ok: Bool, detail: String) {
            self.subject = subject
            self.ok = ok
            self.detail = detail
        }
    }

    public var findings: [Finding] = []
    /// Every check passed.
    public var ok: Bool { findings.allSatisfy(\.ok) }
    /// The checks that failed.
    public var failures: [Finding] { findings.filter { !$0.ok } }

    public init(findings: [Finding] = []) { self.findings = findings }
}
