import Foundation
import SandcastleCore

/// `sandcastle apply`'s status: after the applier wrote a commit by hand, the planner decides what
/// the environment records (an ``OperatorApply`` fact), and only its `.record` step writes it.
public struct OperatorApplyRecord: Sendable {
    public var store: any EnvironmentStore
    public var settings: PreviewSettings
    public var clock: any WallClock

    public init(store: any EnvironmentStore, settings: PreviewSettings, clock: any WallClock = SystemClock()) {
        self.store = store
        self.settings = settings
        self.clock = clock
    }

    /// Records what the planner says of `applied` on the environment of `key`; returns the steps taken.
    @discardableResult
    public func run(_ key: PreviewKey, applied: OperatorApply) async throws -> [PreviewStep] {
        var facts = PreviewFacts(key: key, pullRequest: .unavailable("not read: an operator's apply"), environment: try await store.observe(key))
        facts.operatorApply = applied
        var steps: [PreviewStep] = []
        while let step = Planner.next(facts, settings: settings, now: clock.now).step, steps.count < 4 {
            steps.append(step)
            guard case .record(let status) = step else { throw OperatorStepError(step: step) }
            try await store.record(key, status: status)
            facts.environment?.recorded = status
        }
        return steps
    }
}
