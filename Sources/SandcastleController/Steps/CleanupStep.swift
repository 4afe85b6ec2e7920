import Foundation
import SandcastleCore

/// Step "cleanup": removes a preview whose PR a per-PR read showed closed or ineligible. The sink
/// returns only once the namespace is gone; then the database is dropped and the checkout released.
struct CleanupStep {
    let dependencies: ControllerDependencies

    func run(_ key: PreviewKey, settings: PreviewSettings) async throws(StepOutcome) {
        do {
            try await dependencies.sink.teardown(key)
        } catch {
            throw StepOutcome(error, doing: "teardown")
        }
        if settings.database.enabled, let provisioner = dependencies.databases[key.repository] {
            do {
                _ = try await provisioner.drop(identifier: PreviewNames(key: key, settings: settings).databaseIdentifier)
            } catch {
                throw StepOutcome(error, doing: "dropping the database")
            }
        }
        await dependencies.bundles.release(key)
    }
}
