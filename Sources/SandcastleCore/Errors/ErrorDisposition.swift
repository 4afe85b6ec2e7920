/// What the controller should do about an error (see the design's error classes).
public enum ErrorDisposition: Sendable, Hashable {
    /// Needs a human: report it, do not retry until something changes.
    case stalled
    /// Something is in progress (a namespace terminating): look again after a delay.
    case waiting
    /// Retry with backoff.
    case transient
}

/// An error that knows its ``ErrorDisposition``; any other error counts as transient.
public protocol ClassifiedError: Error {
    var disposition: ErrorDisposition { get }
    /// The commit status a stalled error is reported under (`sandcastle/deploy` unless it says).
    var statusContext: CommitStatus.Context { get }
}

extension ClassifiedError {
    public var statusContext: CommitStatus.Context { .deploy }
}

/// The disposition of any error: its own when it is a ``ClassifiedError``, else transient.
public func disposition(of error: any Error) -> ErrorDisposition {
    (error as? any ClassifiedError)?.disposition ?? .transient
}
