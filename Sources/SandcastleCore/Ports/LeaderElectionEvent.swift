/// What one leader-election attempt observed, reported by the elector (an adapter) to whoever
/// shows leadership: the log, metrics, `/readyz` and the dashboard.
public enum LeaderElectionEvent: Sendable, Equatable {
    /// This replica holds the lease (acquired, renewed or taken over).
    case leading
    /// Another replica holds a live lease.
    case following(holder: String)
    /// The attempt failed: the API's message (or the transport error). `stillLeading` while a
    /// leader is within its renew deadline.
    case failed(message: String, stillLeading: Bool)
    /// This replica gave the lease up (graceful shutdown) or stopped leading.
    case stopped
}
