import Foundation
import SandcastleCore

/// Step "namespace and baselines" plus the bundle: hands the whole rendered set to the sink, which
/// applies it in dependency order (Namespace, ServiceAccount, quota and limits, NetworkPolicies,
/// then the bundle, Jobs last), repairs drift and prunes what left the set.
struct ApplyStep {
    let dependencies: ControllerDependencies

    func run(_ preview: RenderedPreview) async throws(StepError) {
        do {
            try await dependencies.sink.applier.apply(preview)
        } catch {
            throw StepError(error, doing: "apply to namespace \(preview.names.namespace)")
        }
    }
}
