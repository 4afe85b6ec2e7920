import Foundation
import SandcastleCore

/// Step "database": ensures the preview's own database (seeded from the checkout) and adds the
/// Secret with its credentials to the preview, before anything is applied.
struct DatabaseStep {
    let dependencies: ControllerDependencies

    func run(_ rendered: RenderStep.Result, settings: PreviewSettings) async throws(StepError) -> RenderedPreview {
        guard settings.database.enabled else { return rendered.preview }
        guard let provisioner = dependencies.databases[rendered.preview.key.repository] else {
            throw StepError(.stalled, "database.enabled is set but no PostgreSQL server is configured for \(rendered.preview.key.repository)")
        }
        do {
            let secret = try await provisioner.ensureSecret(
                for: rendered.preview.key, names: rendered.preview.names, settings: settings.database, checkout: rendered.checkout)
            return rendered.preview.adding([secret])
        } catch {
            throw StepError(error, doing: "database")
        }
    }

    /// Drops the preview's database (teardown).
    func drop(_ key: PreviewKey, settings: PreviewSettings) async throws(StepError) {
        guard let provisioner = dependencies.databases[key.repository] else { return }
        do {
            _ = try await provisioner.drop(identifier: PreviewNames(key: key, settings: settings).databaseIdentifier)
        } catch {
            throw StepError(error, doing: "dropping the database")
        }
    }
}
