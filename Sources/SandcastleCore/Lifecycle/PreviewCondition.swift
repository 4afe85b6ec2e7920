import Foundation

/// The condition types a PreviewEnvironment's status carries (the CRD's `conditions[].type` enum).
///
/// Their values are written by the planner only (``Planner/next(_:settings:now:)`` → `.record`);
/// adapters read them back, never author them.
public enum PreviewConditionType: String, Sendable, Hashable, Codable, CaseIterable {
    /// The rendered set of the head commit was applied completely.
    case applied = "Applied"
    /// Every applied workload (and route, and engine object) is observed available.
    case workloadsReady = "WorkloadsReady"
    /// The preview answers: workloads ready and the optional HTTP check passed.
    case ready = "Ready"
}

extension PreviewStatus.Condition {
    /// `Applied`.
    public static func applied(_ status: Bool, reason: String, message: String) -> Self {
        Self(type: .applied, status: status, reason: reason, message: message)
    }

    /// `WorkloadsReady`.
    public static func workloadsReady(_ status: Bool, reason: String, message: String) -> Self {
        Self(type: .workloadsReady, status: status, reason: reason, message: message)
    }

    /// `Ready`.
    public static func ready(_ status: Bool, reason: String, message: String) -> Self {
        Self(type: .ready, status: status, reason: reason, message: message)
    }
}

extension PreviewStatus {
    /// A head commit that is not applied (refused, waiting for an image or for checks, a failed
    /// apply): `Applied`, `WorkloadsReady` and `Ready` false for `reason`.
    public static func notApplied(_ phase: PreviewPhase, _ message: String, reason: String) -> PreviewStatus {
        PreviewStatus(
            phase: phase, message: message,
            conditions: [
                .applied(false, reason: reason, message: message), .workloadsReady(false, reason: reason, message: ""),
                .ready(false, reason: reason, message: message),
            ])
    }

    /// A PR waiting for a free slot under the repository's cap: nothing of it exists yet.
    public static let waitingForSlot = notApplied(.queued, "waiting for a free slot", reason: "WaitingForSlot")

    /// The rendered set of `sha` is being applied: nothing of it is judged yet.
    public static func applying(_ sha: String, because why: String) -> PreviewStatus {
        notApplied(.deploying, "applying \(sha.prefix(12)): \(why)", reason: "Applying")
    }

    /// A teardown in progress: nothing is applied, nothing is ready; while the namespace is
    /// held, `Ready` names the first blocking reason and its conditions are kept beside.
    public static func tearingDown(_ message: String, namespace conditions: [NamespaceCondition] = []) -> PreviewStatus {
        var status = notApplied(.terminating, message, reason: "TearingDown")
        if let blocking = conditions.first(where: { $0.status && !$0.reason.isEmpty }) {
            status.conditions = status.conditions.map { $0.type == .ready ? .ready(false, reason: blocking.reason, message: message) : $0 }
        }
        status.namespaceConditions = conditions
        return status
    }

    /// Applied at `sha`, with the workloads judged: rolling out, failed or available.
    public static func applied(
        _ phase: PreviewPhase, sha: String, message: String, workloads: (ready: Bool, reason: String, message: String),
        ready: (reason: String, message: String)? = nil, lines: [String: String] = [:]
    ) -> PreviewStatus {
        let readyCondition: Condition =
            ready.map { .ready(true, reason: $0.reason, message: $0.message) } ?? .ready(false, reason: workloads.reason, message: workloads.message)
        return PreviewStatus(
            phase: phase, message: message,
            conditions: [
                .applied(true, reason: "Applied", message: "applied at \(sha.prefix(12))"),
                .workloadsReady(workloads.ready, reason: workloads.reason, message: workloads.message), readyCondition,
            ], workloads: lines)
    }

    /// Applied by an operator (`sandcastle apply`) with nothing yet judged: only the controller,
    /// watching the workloads, says more.
    public static func appliedByOperator(sha: String, objects: Int) -> PreviewStatus {
        PreviewStatus(
            phase: .deploying, message: "applied \(objects) objects at \(sha.prefix(12)); waiting for workloads",
            conditions: [.applied(true, reason: "Applied", message: "applied at \(sha.prefix(12))")])
    }

    /// The condition of `type`, when recorded.
    public func condition(_ type: PreviewConditionType) -> Condition? { conditions.first { $0.type == type } }
}
