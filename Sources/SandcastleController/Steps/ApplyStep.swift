import Foundation
import SandcastleCore

/// Step "namespace and baselines" plus the bundle: hands the whole rendered set to the sink, which
/// applies it in dependency order (Namespace, ServiceAccount, quota and limits, NetworkPolicies,
/// then the bundle, Jobs last) and prunes what left the set. An unchanged set writes nothing.
struct ApplyStep {
    let dependencies: ControllerDependencies

    func run(_ preview: RenderedPreview) async throws(StepOutcome) {
        do {
            try await dependencies.sink.apply(preview)
        } catch {
            throw StepOutcome(error, doing: "apply to namespace \(preview.names.namespace)")
        }
    }
}

/// A step's error, with what the reconcile should do about it.
struct StepOutcome: Error, Sendable {
    var disposition: ErrorDisposition
    var message: String

    init(_ error: any Error, doing what: String) {
        self.disposition = SandcastleCore.disposition(of: error)
        self.message = "\(what): \(error)"
    }
}
