import Foundation
import Logging
import SandcastleCore

/// What one janitor pass did.
public struct JanitorReport: Sendable, Equatable {
    /// Previews handed to the reconciler: expiring, expired, closed per the last listing, waiting.
    public var enqueued: [PreviewKey] = []
    /// Leftovers the sink removed (namespaces whose PreviewEnvironment is gone).
    public var reaped: [String] = []
    /// Databases dropped because their PR was confirmed closed.
    public var droppedDatabases: [String] = []
    public var errors: [String] = []
}

/// The janitor: finds what leaked and what is due, and hands each preview to the reconciler, which
/// decides with a per-PR read (so the janitor itself never tears a preview down on a guess).
///
/// - previews whose expiry warning or TTL is due (from the latest listing), and previews older than
///   that listing whose PR is missing from it: enqueued; the reconciler warns, honours the
///   `preserve` pin up to `preserve.max`, or tears down after confirming;
/// - PRs waiting for a slot: enqueued, so each learns its current position;
/// - namespaces Sandcastle owns whose PreviewEnvironment is gone: removed by the sink;
/// - databases with no live preview whose PR a per-PR read shows closed: dropped.
public final class Janitor: Sendable {
    private let dependencies: ControllerDependencies
    private let resync: Resync
    private let enqueue: @Sendable (PreviewKey) -> Void

    public init(dependencies: ControllerDependencies, resync: Resync, enqueue: @escaping @Sendable (PreviewKey) -> Void) {
        self.dependencies = dependencies
        self.resync = resync
        self.enqueue = enqueue
    }

    @discardableResult
    public func pass() async -> JanitorReport {
        let deps = dependencies
        var report = JanitorReport()
        let now = deps.clock.now
        let environments: [ObservedEnvironment]
        do {
            environments = try await deps.sink.store.environments()
        } catch {
            report.errors.append("the sink could not be read: \(error)")
            return report
        }
        var due: Set<PreviewKey> = []
        for environment in environments {
            guard let repository = deps.catalog.repository(environment.key.repository) else { continue }  // the resync hands it back
            guard let pr = resync.lastListed(environment.key) else {
                // Missing from a complete listing made after it was created: confirm per PR. One
                // created since (by a webhook) is the next listing's to judge, not a leak.
                if let listed = resync.lastListing(of: environment.key.repository), environment.createdAt < listed {
                    due.insert(environment.key)
                }
                continue
            }
            // Only time is the janitor's business: label, draft and state changes reach the
            // reconciler through webhooks and resync (listings carry no label grants, so the full
            // policy cannot be judged from them anyway).
            let decision = Policy.evaluate(pr, settings: repository.settings, now: now)
            if now >= decision.warnFrom { due.insert(environment.key) }
        }
        due.formUnion(deps.memory.allWaiting)
        report.enqueued = due.sorted()
        for key in report.enqueued { enqueue(key) }

        do {
            report.reaped = try await deps.sink.reaper?.reapOrphans() ?? []
        } catch {
            report.errors.append("reaping orphans: \(error)")
        }
        let live = Set(environments.map(\.key))
        let source = deps.source
        for (repository, provisioner) in deps.databases.all(for: deps.catalog.all) {
            do {
                let dropped = try await provisioner.reapOrphans(live: live.filter { $0.repository == repository }) { key in
                    guard key.repository == repository, let pr = try? await source.pullRequest(key) else { return false }
                    return pr.state == .closed
                }
                report.droppedDatabases += dropped
            } catch {
                report.errors.append("reaping databases of \(repository): \(error)")
            }
        }
        for line in report.reaped { deps.logger.notice("janitor: reaped \(line)") }
        for name in report.droppedDatabases { deps.logger.notice("janitor: dropped database \(name) of a closed PR") }
        for error in report.errors { deps.logger.warning("janitor: \(error)") }
        return report
    }
}
