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
    /// One status condition (`Applied`, `WorkloadsReady`, `Ready`).
    public struct Condition: Sendable, Hashable, Codable {
        public var type: String
        public var status: Bool
        public var reason: String
        public var message: String

        public init(type: String, status: Bool, reason: String, message: String) {
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

    public init(phase: PreviewPhase, message: String, conditions: [Condition] = [], workloads: [String: String] = [:]) {
        self.phase = phase
        self.message = String(message.prefix(1024))
        self.conditions = conditions
        self.workloads = workloads
    }

    /// A status for a head commit that is not applied (refused, waiting for an image or for
    /// checks): `Applied`, `WorkloadsReady` and `Ready` false for `reason`.
    public static func notApplied(_ phase: PreviewPhase, _ message: String, reason: String) -> PreviewStatus {
        PreviewStatus(
            phase: phase, message: message,
            conditions: [
                .init(type: "Applied", status: false, reason: reason, message: message),
                .init(type: "WorkloadsReady", status: false, reason: reason, message: ""),
                .init(type: "Ready", status: false, reason: reason, message: message),
            ])
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
