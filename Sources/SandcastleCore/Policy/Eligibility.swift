import Foundation

/// Whether a pull request should have a preview right now.
public enum Eligibility: Sendable, Hashable, CustomStringConvertible {
    case eligible
    /// Known not to qualify; a teardown is justified once a per-PR read confirms it.
    case ineligible(IneligibleReason)
    /// Not enough is known to decide (for example who added the label); never a reason to tear down.
    case undetermined(String)

    public var description: String {
        switch self {
        case .eligible: "eligible"
        case .ineligible(let reason): "not eligible: \(reason)"
        case .undetermined(let why): "undetermined: \(why)"
        }
    }
}

/// Why a pull request does not qualify for a preview.
public enum IneligibleReason: Sendable, Hashable, CustomStringConvertible {
    case closed
    case merged
    case draft
    case fork
    case missingLabel([String])
    case labelAddedWithoutPermission(by: String, has: Permission, needs: Permission)
    case expired(at: Date)

    public var description: String {
        switch self {
        case .closed: "the pull request is closed"
        case .merged: "the pull request is merged"
        case .draft: "the pull request is a draft"
        case .fork: "the pull request comes from a fork"
        case .missingLabel(let labels): "it carries none of the labels \(labels.joined(separator: ", "))"
        case .labelAddedWithoutPermission(let user, let has, let needs):
            "the label was added by \(user), who has \(has.rawValue) permission (\(needs.rawValue) is needed)"
        case .expired(let at): "it expired at \(RFC3339.string(at))"
        }
    }
}

/// The policy's verdict on one pull request at one moment.
public struct PolicyDecision: Sendable, Hashable {
    public var eligibility: Eligibility
    /// When the preview expires unless there is new activity.
    public var expiresAt: Date
    /// From when the PR should be warned about expiry.
    public var warnFrom: Date
    /// The preserve label is present (the pin is capped at `preserve.max`).
    public var pinned: Bool
}

/// Pure decisions about pull requests: eligibility, expiry, pins and the queue.
public enum Policy {
    /// Whether a PR seen in a listing may want a preview: open, not a draft (unless allowed),
    /// carrying a trigger label (or none is configured). Listings carry no label grants, so this
    /// only decides whether a per-PR reconcile is worth it; ``evaluate(_:settings:now:)`` decides.
    public static func mayWantPreview(listed pr: PullRequestSnapshot, settings: PreviewSettings) -> Bool {
        guard pr.state == .open, !pr.merged, !pr.draft || settings.trigger.allowDrafts else { return false }
        let triggers = settings.trigger.labels
        return triggers.isEmpty || pr.labels.contains { label in triggers.contains { $0.caseInsensitiveCompare(label) == .orderedSame } }
    }

    /// Decides eligibility of `pr` under `settings` at `now`.
    ///
    /// Checks run from the most definite (closed, merged) to the least; a trigger label only counts
    /// when whoever added it holds `trigger.labelPermission`, and an unknown permission leaves the
    /// decision undetermined rather than guessing either way.
    public static func evaluate(_ pr: PullRequestSnapshot, settings: PreviewSettings, now: Date) -> PolicyDecision {
        let pinned = pr.labels.contains { $0.caseInsensitiveCompare(settings.preserve.label) == .orderedSame }
        let lifetime = pinned ? settings.preserve.max : settings.ttl
        let expiresAt = pr.lastActivityAt.addingTimeInterval(TimeInterval(lifetime.seconds))
        let warnFrom = expiresAt.addingTimeInterval(-TimeInterval(settings.expiryWarning.seconds))
        return PolicyDecision(
            eligibility: eligibility(pr, settings: settings, now: now, expiresAt: expiresAt),
            expiresAt: expiresAt, warnFrom: warnFrom, pinned: pinned)
    }

    private static func eligibility(_ pr: PullRequestSnapshot, settings: PreviewSettings, now: Date, expiresAt: Date) -> Eligibility {
        if pr.merged { return .ineligible(.merged) }
        if pr.state == .closed { return .ineligible(.closed) }
        if pr.draft, !settings.trigger.allowDrafts { return .ineligible(.draft) }
        if pr.isFromFork, !settings.trigger.allowForks { return .ineligible(.fork) }
        let triggers = settings.trigger.labels
        if !triggers.isEmpty {
            let present = pr.labels.filter { label in triggers.contains { $0.caseInsensitiveCompare(label) == .orderedSame } }
            if present.isEmpty { return .ineligible(.missingLabel(triggers)) }
            guard let grant = pr.labelGrant, present.contains(where: { $0.caseInsensitiveCompare(grant.label) == .orderedSame }) else {
                return .undetermined("who added the label \(present[0]) is not known")
            }
            guard let permission = grant.permission else {
                return .undetermined("the permission of \(grant.addedBy), who added the label, could not be read")
            }
            if permission < settings.trigger.labelPermission {
                return .ineligible(.labelAddedWithoutPermission(by: grant.addedBy, has: permission, needs: settings.trigger.labelPermission))
            }
        }
        if now >= expiresAt { return .ineligible(.expired(at: expiresAt)) }
        return .eligible
    }
}
