import Foundation
import SandcastleCore

/// `sandcastle teardown`: the controller's own teardown, driven by an operator instead of a closed
/// PR. The planner decides every step (``TeardownRequest``); each is one call of the sink's ports
/// (the controller's executors also keep its metrics and memory, which a command has none of), and
/// the status is recorded only through the planner's `.record` steps. This type only waits for what
/// the planner says to look at again, up to a deadline.
public struct OperatorTeardown: Sendable {
    /// How the teardown ended.
    public struct Outcome: Sendable, Equatable {
        /// The preview's namespace; `nil` when there was no environment to tear down.
        public var namespace: String?
        /// The namespace and the environment record are gone.
        public var gone: Bool
        /// While the namespace stays: its own conditions.
        public var namespaceConditions: [NamespaceCondition]
        /// The steps taken, in order.
        public var steps: [PreviewStep]
    }

    public var store: any EnvironmentStore
    public var applier: any PreviewApplier
    /// Drops the preview's database when `database.enabled`.
    public var database: (any DatabaseProvisioning)?
    public var settings: PreviewSettings
    public var clock: any WallClock
    /// The longest wait between two looks (the planner's recheck is meant for a controller).
    public var lookAgainAfter: TimeInterval = 1

    public init(
        store: any EnvironmentStore, applier: any PreviewApplier, database: (any DatabaseProvisioning)?, settings: PreviewSettings,
        clock: any WallClock = SystemClock()
    ) {
        self.store = store
        self.applier = applier
        self.database = database
        self.settings = settings
        self.clock = clock
    }

    /// Tears the preview of `key` down and waits until it is gone, or until `timeout` passed.
    /// Throws what a step threw (a namespace that is not this preview's, the API server).
    public func run(_ key: PreviewKey, reason: String = "sandcastle teardown", timeout: TimeInterval) async throws -> Outcome {
        let deadline = clock.now.addingTimeInterval(timeout)
        var outcome = Outcome(namespace: nil, gone: false, namespaceConditions: [], steps: [])
        var database: DatabaseFact = settings.database.enabled ? .needed : .notEnabled
        while true {
            let environment = try await store.observe(key)
            outcome.namespace = outcome.namespace ?? environment?.namespace
            var facts = PreviewFacts(
                key: key, pullRequest: .unavailable("not read: an operator's teardown"), database: database, environment: environment)
            facts.teardownRequest = TeardownRequest(reason: reason, tellsForge: false)
            let plan = Planner.next(facts, settings: settings, now: clock.now)
            guard let step = plan.step else {
                if case .recheck(_, let after) = plan.ending, clock.now < deadline {
                    let wait = min(Double(after.components.seconds), lookAgainAfter)
                    try await clock.sleep(until: min(deadline, clock.now.addingTimeInterval(wait)))
                    continue
                }
                outcome.gone = environment == nil
                outcome.namespaceConditions = environment?.namespaceConditions ?? []
                return outcome
            }
            outcome.steps.append(step)
            switch step {
            case .deleteNamespace(let why): try await applier.deleteNamespace(key, reason: why)
            case .record(let status): try await store.record(key, status: status)
            case .dropDatabase:
                if let provisioner = self.database {
                    _ = try await provisioner.drop(identifier: PreviewNames(key: key, settings: settings).databaseIdentifier)
                }
                database = .dropped
            case .forget: try await store.forget(key)
            default: throw OperatorStepError(step: step)
            }
        }
    }
}

/// The planner asked an operator's command (`sandcastle teardown`, `sandcastle apply`) for a step
/// that command does not take.
public struct OperatorStepError: Error, CustomStringConvertible {
    public var step: PreviewStep
    public var description: String { "an operator's command does not \(step)" }
}
