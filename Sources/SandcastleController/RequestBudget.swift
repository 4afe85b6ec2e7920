import Foundation
import SandcastleCore

/// A budget of forge requests in flight across all workers, separate from the Kubernetes side: a
/// burst of reconciles queues here for GitHub instead of spending the rate limit all at once, while
/// applies to the cluster go on. FIFO, so no worker starves.
public final class RequestBudget: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var peak = 0
        var inFlight = 0
    }

    public let limit: Int
    private let state: LockedValue<State>

    public init(limit: Int) {
        precondition(limit > 0, "the budget must allow at least one request")
        self.limit = limit
        self.state = LockedValue(State(available: limit))
    }

    /// The most requests that were ever in flight at once.
    public var peak: Int { state.withLock { $0.peak } }

    /// Runs `body` once a slot is free.
    public func spend<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                guard state.available > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.available -= 1
                state.inFlight += 1
                state.peak = max(state.peak, state.inFlight)
                return true
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight -= 1
            guard !state.waiting.isEmpty else {
                state.available += 1
                return nil
            }
            state.inFlight += 1  // the slot passes straight to the next waiter
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

/// The forge ports with every call spent from a ``RequestBudget``.
struct BudgetedForge: PullRequestSource, StatusReporter {
    let source: any PullRequestSource
    let reporter: any StatusReporter
    let budget: RequestBudget

    func openPullRequests(in repository: RepositoryName) async throws -> [PullRequestSnapshot] {
        try await budget.spend { try await source.openPullRequests(in: repository) }
    }

    func pullRequest(_ key: PreviewKey) async throws -> PullRequestSnapshot? {
        try await budget.spend { try await source.pullRequest(key) }
    }

    func setStatus(_ status: CommitStatus, on sha: String, of key: PreviewKey) async throws {
        try await budget.spend { try await reporter.setStatus(status, on: sha, of: key) }
    }

    func reportDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws {
        try await budget.spend { try await reporter.reportDeployment(update, of: key) }
    }

    func upsertComment(_ comment: PreviewComment) async throws {
        try await budget.spend { try await reporter.upsertComment(comment) }
    }
}
