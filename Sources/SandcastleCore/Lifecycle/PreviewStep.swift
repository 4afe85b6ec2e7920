import Foundation

/// One thing the reconciler does for a preview, as decided by ``Planner/next(_:settings:now:)``.
/// After executing it, the reconciler observes again and asks for the next step.
public enum PreviewStep: Sendable, Hashable, CustomStringConvertible {
    /// Check out the head commit and render the bundle.
    case render(sha: String)
    /// Create the preview's environment record and make sure its namespace is free, before any
    /// other side effect (a database, an apply).
    case claim
    /// Ensure the preview's own database and add its Secret to the rendered set.
    case provisionDatabase
    /// Apply the rendered set (only what changed is written), and say why.
    case apply(RenderSummary, because: String)
    /// Ask `url` whether the preview answers (`readiness.http`).
    case probe(url: String)
    /// Create the seed or verify Job (the preview is ready; an earlier hook succeeded).
    case startHook(HookSpec)
    /// Record this status on the environment (and an Event for the transition).
    case record(PreviewStatus)
    /// Tell the forge (statuses, Deployment, comment); recorded as told once it succeeded.
    case report(ForgeReport)
    /// Delete the preview's namespace; returns at once: its disappearance is observed later.
    case deleteNamespace(reason: String)
    /// Drop the preview's database.
    case dropDatabase
    /// Delete the environment record: the last step of a teardown, after the receipt was posted.
    case forget

    public var description: String {
        switch self {
        case .render(let sha): "render the bundle at \(sha.prefix(7))"
        case .claim: "claim the namespace (environment record first)"
        case .provisionDatabase: "provision the database"
        case .apply(let render, let why): "apply \(render.sha.prefix(7)) (content \(render.contentHash.prefix(12))): \(why)"
        case .probe(let url): "check \(url)"
        case .startHook(let hook): "start the \(hook.stage.rawValue) Job \(hook.job)"
        case .record(let status): "record \(status)"
        case .report(let report): "report \(report)"
        case .deleteNamespace(let reason): "delete the namespace: \(reason)"
        case .dropDatabase: "drop the database"
        case .forget: "forget the environment (teardown complete)"
        }
    }
}

/// What the planner decided: the next step, or how the reconcile ends when there is none.
public struct PreviewPlan: Sendable, Hashable, CustomStringConvertible {
    /// How a reconcile ends once there is nothing left to do now.
    public enum Ending: Sendable, Hashable, CustomStringConvertible {
        /// Converged, or waiting for an event (a push, a label): nothing to look at until then.
        case settled(String)
        /// Something is in progress (a rollout, a terminating namespace): look again after `after`
        /// at the latest (a watch event may come sooner).
        case recheck(String, after: Duration)
        /// The observation was incomplete: retry with backoff.
        case retry(String)

        public var description: String {
            switch self {
            case .settled(let why): "settled: \(why)"
            case .recheck(let why, let after): "recheck in \(after): \(why)"
            case .retry(let why): "retry: \(why)"
            }
        }
    }

    public var phase: PreviewPhase?
    public var message: String
    /// `nil` when the reconcile ends with ``ending``.
    public var step: PreviewStep?
    public var ending: Ending
    /// For the dashboard: the queue position, the URL, the expiry and the pin, when known.
    public var queuePosition: Int?
    public var url: String?
    public var expiresAt: Date?
    public var pinnedUntil: Date?

    public init(phase: PreviewPhase?, message: String, step: PreviewStep? = nil, ending: Ending) {
        self.phase = phase
        self.message = message
        self.step = step
        self.ending = ending
    }

    public var description: String { step.map(\.description) ?? ending.description }
}
