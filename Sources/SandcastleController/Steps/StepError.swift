import Foundation
import SandcastleCore

/// Why a step did not complete, classified by what the reconcile does next: a stalled error
/// becomes a ``StepProblem`` the planner reports on the PR; a waiting one is looked at again
/// after a delay; a transient one is retried with backoff.
struct StepError: Error, Sendable, CustomStringConvertible {
    var disposition: ErrorDisposition
    var message: String
    /// The commit status a stalled error is reported under.
    var context: CommitStatus.Context
    /// The image (`name:tag`) that is not in the registry yet, when that is why.
    var waitingForImage: String?

    init(_ disposition: ErrorDisposition, _ message: String, context: CommitStatus.Context = .deploy) {
        self.disposition = disposition
        self.message = message
        self.context = context
    }

    /// Classifies `error` by its own disposition (``ClassifiedError``), else as transient.
    init(_ error: any Error, doing what: String) {
        self.init(
            SandcastleCore.disposition(of: error), "\(what): \(error)", context: (error as? any ClassifiedError)?.statusContext ?? .deploy)
    }

    var description: String { message }
}
