/// Which listed PRs a resync pass hands to the reconciler. Pure: the pass says what it saw.
///
/// The first listing of a PR in this process (after a start or a leadership change) hands over
/// every preview that has an environment, as an informer's first list does: what a crash left
/// unfinished is not known until it is looked at. After that, a PR is handed over when it
/// changed, when its environment did not converge, or when what GitHub was last told lags what
/// the environment records.
public enum ResyncPolicy {
    /// How a PR's listing compares with this process's previous one.
    public enum Seen: Sendable, Hashable {
        /// Not listed before by this process.
        case first
        /// Listed before, with the same head, labels, draft state and activity.
        case unchanged
        /// Listed before, with something changed.
        case changed
    }

    /// Whether the reconciler gets the PR: `wants`, its listing wants a preview; `environment`,
    /// what the sink holds for it.
    public static func enqueues(_ seen: Seen, wants: Bool, environment: ObservedEnvironment?) -> Bool {
        if let environment {
            if !environment.converged { return true }  // half-applied or failed: hand it back
            if environment.reportLags { return true }  // GitHub was not told what is recorded
        }
        switch seen {
        case .unchanged: return false
        case .changed: return true
        case .first: return environment != nil || wants
        }
    }

    /// Whether what the forge was last told (`reported`) lags the recorded `phase` of the commit
    /// `sha`: a Ready or Failed environment whose outcome at that commit was not reported.
    public static func reportLags(phase: PreviewPhase?, sha: String, reported: ReportRecord?) -> Bool {
        let told = reported?.sha == sha ? reported?.summary ?? "" : ""
        switch phase {
        case .ready?: return !told.hasPrefix("ready:")
        case .failed?: return !told.hasPrefix("failure")
        default: return false
        }
    }
}
