import Foundation
import Logging
import SandcastleCore
import ServiceLifecycle

/// The controller loop as a `Service`: while this replica leads, `workers` reconcile keys from the
/// work queue, the resync ticker lists every `resyncInterval` and the janitor runs every
/// `janitorInterval`. On graceful shutdown the queue closes, in-flight reconciles finish, and
/// leadership is released.
public final class Controller: Service, Sendable {
    /// Runs `body` while this replica holds leadership (a Lease on a cluster; always, otherwise).
    public typealias Leadership = @Sendable (_ body: @escaping @Sendable () async -> Void) async -> Void

    public let queue: WorkQueue
    public let reconciler: Reconciler
    public let resync: Resync
    public let janitor: Janitor
    private let dependencies: ControllerDependencies
    private let leadership: Leadership
    private let state = LockedValue(RunState())

    private struct RunState {
        var stopped = false
        var leading = false
        var tickers: Task<Void, Never>?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(
        dependencies unbudgeted: ControllerDependencies, backoff: WorkQueue.Backoff? = nil,
        leadership: @escaping Leadership = { body in await body() }
    ) {
        let settings = unbudgeted.config.controller
        // One forge request budget shared by the workers, resync and janitor.
        let forge = BudgetedForge(
            source: unbudgeted.source, reporter: unbudgeted.reporter, budget: RequestBudget(limit: settings.githubConcurrency))
        var dependencies = unbudgeted
        dependencies.source = forge
        dependencies.reporter = forge
        let queue = WorkQueue(
            capacity: settings.queueCapacity, backoff: backoff ?? WorkQueue.Backoff(cap: .seconds(settings.retryCap.seconds)))
        let memory = dependencies.memory
        self.queue = queue
        self.dependencies = dependencies
        self.leadership = leadership
        self.reconciler = Reconciler(dependencies: dependencies) { repository in
            for candidate in memory.waiting(in: repository) { queue.offer(candidate.key) }
        }
        let enqueue: @Sendable (PreviewKey) -> Void = { queue.offer($0) }
        self.resync = Resync(dependencies: dependencies, enqueue: enqueue)
        self.janitor = Janitor(dependencies: dependencies, resync: resync, enqueue: enqueue)
    }

    /// Offers `key` (from a webhook) and notes the event time; never waits.
    @discardableResult
    public func enqueue(_ key: PreviewKey) -> BoundedKeyQueue.Offer {
        reconciler.noteEvent(key, at: dependencies.clock.now)
        let offer = queue.offer(key)
        dependencies.metrics.recordQueueDepth(queue.depth)
        return offer
    }

    /// Whether this replica leads now (for `/readyz` and the dashboard).
    public var isLeading: Bool { state.withLock { $0.leading } }

    public func run() async throws {
        let campaign = Task { await self.leadership { await self.lead() } }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await campaign.value
            } onCancel: {
                self.stop()
                campaign.cancel()
            }
        } onGracefulShutdown: {
            self.stop()
            Task {
                await self.drained()
                campaign.cancel()
            }
        }
    }

    /// Stops taking work: closes the queue and stops the tickers. In-flight reconciles finish.
    public func stop() {
        let tickers = state.withLock { state in
            state.stopped = true
            return state.tickers
        }
        tickers?.cancel()
        queue.close()
    }

    private func lead() async {
        let started = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.leading = true
            return true
        }
        guard started else { return finishLeading() }
        dependencies.logger.notice("leading: reconciling with \(dependencies.config.controller.workers) workers")
        await observeExisting()
        // A new term's first resync hands every preview to the reconciler once (ResyncPolicy).
        resync.beginTerm()
        let tickers = Task { await self.runTickers() }
        state.withLock { $0.tickers = tickers }
        if state.withLock({ $0.stopped }) { tickers.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<dependencies.config.controller.workers {
                group.addTask { await self.work() }
            }
            // Leadership lost (this task cancelled): waiting workers return at once, the tickers
            // stop; the queue stays open, so keys wait for the next time this replica leads.
            await withTaskCancellationHandler {
                await group.waitForAll()
            } onCancel: {
                tickers.cancel()
            }
        }
        tickers.cancel()
        await tickers.value
        finishLeading()
    }

    /// A new leader rebuilds the controller's memory (waiting PRs, heads) from the store and shows
    /// what the store holds on the dashboard until each preview is reconciled.
    private func observeExisting() async {
        let store = dependencies.sink.store
        do {
            let environments = try await store.environments()
            reconciler.feed.existing(environments)
            try await dependencies.memory.rebuild(environments: environments, waitingFrom: store, repositories: dependencies.catalog.names)
        } catch {
            dependencies.logger.warning("reading the environment store at start failed; the resync fills in", metadata: ["error": "\(error)"])
        }
        dependencies.metrics.recordPhases(dependencies.book.countsByPhase)
    }

    private func finishLeading() {
        let waiters = state.withLock { state in
            state.leading = false
            defer { state.drainWaiters = [] }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no reconcile runs (at once when this replica does not lead).
    private func drained() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if !state.leading { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func work() async {
        while let key = await queue.next() {
            dependencies.metrics.recordQueueDepth(queue.depth)
            let outcome = await reconciler.reconcile(key)
            switch outcome {
            case .settled: queue.done(key)
            case .waiting(_, let after): queue.done(key, retryAfter: after)
            case .failed: queue.done(key, failed: true)
            }
        }
    }

    private func runTickers() async {
        let settings = dependencies.config.controller
        await withTaskGroup(of: Void.self) { group in
            if let feed = dependencies.changes {
                // Every change the sink reports enqueues its preview; the queue keeps one entry per key.
                group.addTask {
                    for await key in feed.changes() {
                        self.queue.offer(key, urgent: true)
                        self.dependencies.metrics.recordQueueDepth(self.queue.depth)
                    }
                }
            }
            group.addTask { await self.every(.seconds(settings.resyncInterval.seconds)) { await self.resync.pass() } }
            group.addTask {
                await self.every(.seconds(settings.janitorInterval.seconds), firstAfter: .seconds(min(settings.janitorInterval.seconds, 10))) {
                    await self.janitor.pass()
                }
            }
        }
    }

    /// Runs `body` now (or after `firstAfter`) and then every `interval`, until cancelled.
    private func every(_ interval: Duration, firstAfter: Duration = .zero, _ body: @Sendable () async -> some Sendable) async {
        if firstAfter > .zero {
            do { try await Task.sleep(for: firstAfter) } catch { return }
        }
        while !Task.isCancelled {
            _ = await body()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
