import Foundation
import SandcastleCore

/// What the controller remembers between reconciles that decisions read: the PRs waiting for a
/// slot, the head commit of each preview (to route check webhooks) and the refusals the forge
/// gave (so a refused comment is not retried until it changes). Written by the reconciler, read
/// by the controller, the janitor and the webhook routing; a new leader rebuilds it from the
/// environment store (``rebuild(environments:waitingFrom:repositories:)``). The dashboard's ``PreviewBook`` is never
/// read for a decision.
public final class ControllerMemory: Sendable {
    private struct State {
        var waiting: [PreviewKey: Date] = [:]
        var heads: [PreviewKey: String] = [:]
        var refusals: [PreviewKey: String] = [:]
    }

    private let state = LockedValue(State())

    public init() {}

    /// Records that `key` waits for a slot since `since`, or with `nil` that it no longer waits.
    public func setWaiting(_ key: PreviewKey, since: Date?) { state.withLock { $0.waiting[key] = since } }

    /// The PRs of `repository` known to wait, oldest first.
    public func waiting(in repository: RepositoryName) -> [AdmissionQueue.Candidate] {
        state.withLock { $0.waiting }.filter { $0.key.repository == repository }.map { AdmissionQueue.Candidate(key: $0.key, since: $0.value) }
            .sorted { ($0.since, $0.key) < ($1.since, $1.key) }
    }

    /// Every PR known to wait.
    public var allWaiting: Set<PreviewKey> { Set(state.withLock { $0.waiting.keys }) }

    public func isWaiting(_ key: PreviewKey) -> Bool { state.withLock { $0.waiting[key] != nil } }

    /// Records the head commit a preview was last reconciled at (`nil`: it has none any more).
    public func setHead(_ key: PreviewKey, sha: String?) { state.withLock { $0.heads[key] = sha } }

    /// The previews of `repository` whose head commit is `sha` (a check run on it concerns them).
    public func previews(in repository: RepositoryName, at sha: String) -> [PreviewKey] {
        state.withLock { $0.heads }.filter { $0.key.repository == repository && $0.value == sha }.map(\.key).sorted()
    }

    /// What the forge last refused for `key`; `nil` when it took everything.
    public func refusal(_ key: PreviewKey) -> String? { state.withLock { $0.refusals[key] } }
    public func setRefusal(_ key: PreviewKey, _ problem: String?) { state.withLock { $0.refusals[key] = problem } }

    /// Forgets everything about `key` (its environment is gone).
    public func forget(_ key: PreviewKey) {
        state.withLock {
            $0.waiting[key] = nil
            $0.heads[key] = nil
            $0.refusals[key] = nil
        }
    }

    /// Rebuilds the memory from what the store holds: each of `environments`' head, and the PRs of
    /// `repositories` recorded as waiting. Throws (and changes nothing) when the store cannot say.
    public func rebuild(
        environments: [ObservedEnvironment], waitingFrom store: any EnvironmentStore, repositories: [RepositoryName]
    ) async throws {
        var waiting: [PreviewKey: Date] = [:]
        for repository in repositories {
            for record in try await store.waiting(in: repository) { waiting[record.key] = record.since }
        }
        state.withLock { state in
            for environment in environments where state.heads[environment.key] == nil { state.heads[environment.key] = environment.sha }
            for (key, since) in waiting where state.waiting[key] == nil { state.waiting[key] = since }
        }
    }
}
