import Foundation
import Logging
import SandcastleCore

/// What one resync pass saw and did.
public struct ResyncReport: Sendable, Equatable {
    public var listed = 0
    public var enqueued: [PreviewKey] = []
    /// Repositories whose listing failed; nothing about them was concluded.
    public var failedRepositories: [RepositoryName] = []
    public var breaker: BreakerTrip?
}

/// The periodic resync: lists every configured repository's open PRs (conditional requests, so an
/// unchanged listing costs a 304) and enqueues what changed or lost its webhook.
///
/// - Which listed PRs are enqueued is ``ResyncPolicy``: on this process's first listing every PR
///   with an environment (what a crash left unfinished is only known once looked at) and every
///   PR that wants one; later, what changed, what did not converge (half-applied, failed) and
///   what GitHub was not told. An unchanged, converged, reported PR costs nothing more.
/// - An environment whose PR is missing from a *complete* listing is enqueued for a per-PR read,
///   which alone may justify a teardown. A failed listing concludes nothing for its repository.
/// - If more environments would be confirmed away than max(3, 20% of live), the breaker trips:
///   none is enqueued in this pass, and the trip is reported (metric, log, dashboard).
public final class Resync: Sendable {
    /// What identifies a change of a PR between listings.
    struct Fingerprint: Hashable {
        var sha: String
        var labels: [String]
        var draft: Bool
        var activity: Date
    }

    private let dependencies: ControllerDependencies
    private let enqueue: @Sendable (PreviewKey) -> Void
    private let seen = LockedValue([PreviewKey: Fingerprint]())
    private let snapshots = LockedValue([PreviewKey: PullRequestSnapshot]())
    private let listedAt = LockedValue([RepositoryName: Date]())

    public init(dependencies: ControllerDependencies, enqueue: @escaping @Sendable (PreviewKey) -> Void) {
        self.dependencies = dependencies
        self.enqueue = enqueue
    }

    /// Forgets what earlier listings saw, so that the next pass lists every PR as seen for the
    /// first time: a leader that was not leading does not know what happened in between.
    public func beginTerm() { seen.withLock { $0 = [:] } }

    /// The snapshot of `key` from the latest complete listing (used by the janitor for expiry).
    public func lastListed(_ key: PreviewKey) -> PullRequestSnapshot? { snapshots.withLock { $0[key] } }

    /// When `repository` was last listed completely; `nil` before its first complete listing.
    public func lastListing(of repository: RepositoryName) -> Date? { listedAt.withLock { $0[repository] } }

    /// Runs one pass.
    @discardableResult
    public func pass() async -> ResyncReport {
        let deps = dependencies
        var report = ResyncReport()
        let environments: [ObservedEnvironment]
        do {
            environments = try await deps.sink.store.environments()
        } catch {
            deps.logger.warning("resync: the sink could not be read; nothing concluded", metadata: ["error": "\(error)"])
            report.failedRepositories = deps.catalog.names
            return report
        }
        let repositories = deps.catalog.all
        let live = Dictionary(environments.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var toEnqueue: [PreviewKey] = []
        var unconfirmed: [PreviewKey] = []
        let listings = await withTaskGroup(of: (RepositoryConfig, Result<[PullRequestSnapshot], any Error>).self) { group in
            for repository in repositories {
                group.addTask {
                    do { return (repository, .success(try await deps.source.openPullRequests(in: repository.name))) } catch {
                        return (repository, .failure(error))
                    }
                }
            }
            var all: [(RepositoryConfig, Result<[PullRequestSnapshot], any Error>)] = []
            for await item in group { all.append(item) }
            return all.sorted { $0.0.name.canonical < $1.0.name.canonical }
        }
        let started = deps.clock.now
        for (repository, listing) in listings {
            let pulls: [PullRequestSnapshot]
            switch listing {
            case .failure(let error):
                report.failedRepositories.append(repository.name)
                deps.metrics.recordResyncFailure()
                deps.logger.warning(
                    "resync: listing failed; nothing concluded for this repository",
                    metadata: ["repository": "\(repository.name)", "error": "\(error)"])
                continue
            case .success(let list): pulls = list
            }
            report.listed += pulls.count
            let listedKeys = Set(pulls.map(\.key))
            let changed: [PreviewKey] = seen.withLock { seen in
                pulls.compactMap { pr in
                    let fingerprint = Fingerprint(sha: pr.headSHA, labels: pr.labels.sorted(), draft: pr.draft, activity: pr.lastActivityAt)
                    let previous = seen.updateValue(fingerprint, forKey: pr.key)
                    let sight: ResyncPolicy.Seen = previous == nil ? .first : previous == fingerprint ? .unchanged : .changed
                    let wants = Policy.mayWantPreview(listed: pr, settings: repository.settings)
                    return ResyncPolicy.enqueues(sight, wants: wants, environment: live[pr.key]) ? pr.key : nil
                }
            }
            snapshots.withLock { snapshots in
                snapshots = snapshots.filter { $0.key.repository != repository.name }
                for pr in pulls { snapshots[pr.key] = pr }
            }
            listedAt.withLock { $0[repository.name] = started }
            toEnqueue += changed
            unconfirmed += environments.filter { $0.key.repository == repository.name && !listedKeys.contains($0.key) }.map(\.key)
        }
        // Previews of a repository no longer served: each is confirmed per PR by the reconciler,
        // under the same breaker as PRs missing from a listing.
        let served = Set(repositories.map(\.name))
        unconfirmed += environments.filter { !served.contains($0.key.repository) }.map(\.key)
        if let trip = MassDeletionBreaker.check(unconfirmed: unconfirmed.count, live: environments.count) {
            report.breaker = trip
            deps.metrics.recordBreakerTrip()
            deps.book.lastBreakerTrip = "\(RFC3339.string(deps.clock.now)): \(trip.description)"
            deps.logger.error("resync: mass-deletion breaker tripped", metadata: ["detail": "\(trip)"])
        } else {
            toEnqueue += unconfirmed
            if report.failedRepositories.isEmpty { deps.book.lastBreakerTrip = nil }
        }
        for key in toEnqueue.sorted() { enqueue(key) }
        report.enqueued = toEnqueue.sorted()
        return report
    }
}
