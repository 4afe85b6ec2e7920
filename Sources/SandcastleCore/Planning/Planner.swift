/// The pure heart of Sandcastle: the only place that decides what happens to a preview.
///
/// ``next(_:settings:now:)`` takes everything observed about one preview and returns the next
/// step. Safety rules encoded there:
/// - an unavailable observation (of the sink or of a PR) never yields a teardown or a create;
/// - a teardown needs a per-PR read (``PullRequestObservation/read(_:)``) showing the PR closed or
///   ineligible; absence from a listing or a 404 is never proof;
/// - an unchanged, intact preview is never re-applied, and the forge is told only what changed;
/// - running previews are never evicted by the cap; waiting PRs keep their place.
///
/// The mass-deletion breaker (``MassDeletionBreaker``) guards passes over many previews.
public enum Planner {
    /// Why nothing is torn down on a 404 or a listing.
    static let awaitingConfirmation = "awaiting a per-PR read to confirm the PR is closed or ineligible"
}
