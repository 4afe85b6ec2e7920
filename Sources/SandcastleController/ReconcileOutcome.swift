import Foundation

/// How one reconcile ended, and so what the work queue does with its key.
public enum ReconcileOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Converged (or nothing to do): the key leaves the queue.
    case settled(String)
    /// Waiting on something that takes time (a Job, a Terminating namespace): look again later,
    /// without counting a failure.
    case waiting(String, after: Duration)
    /// Transient: the forge, the sink or the database failed; retried with per-key backoff.
    case failed(String)

    public var description: String {
        switch self {
        case .settled(let why): "settled: \(why)"
        case .waiting(let why, let after): "waiting \(after): \(why)"
        case .failed(let why): "failed: \(why)"
        }
    }

    /// The metric label of the outcome.
    var label: String {
        switch self {
        case .settled: "settled"
        case .waiting: "requeued"
        case .failed: "failed"
        }
    }
}
