import Foundation

/// One step the shell should take. Plans are lists of these, ordered by key.
public enum Action: Sendable, Hashable, CustomStringConvertible {
    case create(PreviewKey, RenderSummary)
    case update(PreviewKey, RenderSummary, previousHash: String)
    case teardown(PreviewKey, IneligibleReason)
    case hold(PreviewKey, HoldReason)
    case report(PreviewKey, Report)
    /// The mass-deletion breaker tripped: no teardown happens in this pass.
    case halt(BreakerTrip)

    /// The preview an action concerns; `nil` for ``halt(_:)``.
    public var key: PreviewKey? {
        switch self {
        case .create(let k, _), .update(let k, _, _), .teardown(let k, _), .hold(let k, _), .report(let k, _): k
        case .halt: nil
        }
    }

    public var description: String {
        switch self {
        case .create(let k, let r): "create \(k) at \(r.sha.prefix(7)) (content \(r.contentHash.prefix(12)))"
        case .update(let k, let r, let old): "update \(k) to \(r.sha.prefix(7)) (content \(old.prefix(12)) -> \(r.contentHash.prefix(12)))"
        case .teardown(let k, let why): "teardown \(k): \(why)"
        case .hold(let k, let why): "hold \(k): \(why)"
        case .report(let k, let what): "report \(k): \(what)"
        case .halt(let trip): "halt: \(trip)"
        }
    }
}

/// Why nothing is done to a preview now.
public enum HoldReason: Sendable, Hashable, CustomStringConvertible {
    /// What was observed cannot justify any change.
    case inconclusive(String)
    /// A teardown is considered; a per-PR read must confirm closure or ineligibility first.
    case awaitingConfirmation
    /// Eligibility cannot be decided yet.
    case undetermined(String)
    /// Eligible, but the bundle at the head commit has not been rendered.
    case notRendered
    /// Over the concurrency cap: waiting at `position` of `of`.
    case queued(position: Int, of: Int)
    /// The mass-deletion breaker stopped this teardown.
    case breakerTripped

    public var description: String {
        switch self {
        case .inconclusive(let why): "inconclusive observation (\(why))"
        case .awaitingConfirmation: "awaiting a per-PR read to confirm the PR is closed or ineligible"
        case .undetermined(let why): why
        case .notRendered: "the head commit has not been rendered"
        case .queued(let position, let total): "queued at position \(position) of \(total)"
        case .breakerTripped: "mass-deletion breaker tripped"
        }
    }
}

/// Something to tell the PR without changing the environment.
public enum Report: Sendable, Hashable, CustomStringConvertible {
    case upToDate(sha: String)
    case expiryWarning(at: Date)
    case pinned(until: Date)

    public var description: String {
        switch self {
        case .upToDate(let sha): "up to date at \(sha.prefix(7))"
        case .expiryWarning(let at): "expires at \(RFC3339.string(at)) unless there is new activity"
        case .pinned(let until): "pinned by the preserve label until \(RFC3339.string(until))"
        }
    }
}

/// Why the mass-deletion breaker stopped a pass.
public struct BreakerTrip: Sendable, Hashable, CustomStringConvertible {
    /// Live environments whose deletion was considered without per-PR confirmation.
    public var unconfirmed: Int
    public var live: Int
    /// The most that may be considered in one pass: max(3, 20% of live).
    public var limit: Int

    public init(unconfirmed: Int, live: Int, limit: Int) {
        self.unconfirmed = unconfirmed
        self.live = live
        self.limit = limit
    }

    public var description: String {
        "\(unconfirmed) of \(live) live previews would be deleted without per-PR confirmation (limit \(limit)); "
            + "no preview is deleted in this pass. Check the PR listing and the sink before the next pass."
    }
}
