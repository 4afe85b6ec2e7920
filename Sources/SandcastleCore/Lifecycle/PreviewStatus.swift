import Foundation

/// The lifecycle phase of a preview, as its PreviewEnvironment, the dashboard and the API show it.
public enum PreviewPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "Pending"
    case queued = "Queued"
    case deploying = "Deploying"
    /// The image CI builds for the head commit is not in the registry yet.
    case waitingForImage = "WaitingForImage"
    case ready = "Ready"
    case failed = "Failed"
    case terminating = "Terminating"
}

/// The status a preview's environment records: phase, conditions and the message that explains them.
public struct PreviewStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One status condition; built with the typed constructors in `PreviewCondition.swift`.
    public struct Condition: Sendable, Hashable, Codable {
        public var type: PreviewConditionType
        public var status: Bool
        public var reason: String
        public var message: String

        public init(type: PreviewConditionType, status: Bool, reason: String, message: String) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
        }
    }

    public var phase: PreviewPhase
    /// Why, in words a developer acts on (at most 1,024 characters are recorded).
    public var message: String
    public var conditions: [Condition]
    /// Per workload: `Deployment/web` → `Ready` or why not.
    public var workloads: [String: String]
    /// The PreviewEnvironment's `metadata.generation` this status was judged at (`nil` for a sink
    /// without generations); a spec written since makes the recorded status stale.
    public var observedGeneration: Int?
    /// While a teardown waits for the namespace: the namespace's own conditions.
    public var namespaceConditions: [NamespaceCondition] = []

    public init(
        phase: PreviewPhase, message: String, conditions: [Condition] = [], workloads: [String: String] = [:], observedGeneration: Int? = nil
    ) {
        self.observedGeneration = observedGeneration
        self.phase = phase
        self.message = String(message.prefix(1024))
        self.conditions = conditions
        self.workloads = workloads
    }

    /// The Kubernetes Event reason for entering this status (`Applied`, `Waiting`, `Ready`, `Failed`, `TornDown`).
    public var eventReason: String {
        switch phase {
        case .pending, .queued: "Waiting"
        case .deploying, .waitingForImage: "Waiting"
        case .ready: "Ready"
        case .failed: "Failed"
        case .terminating: "TearingDown"
        }
    }

    public var description: String { "\(phase.rawValue): \(message)" }
}
