import Foundation
import SandcastleCore

/// Step "database": ensures the preview's own database (seeded from the checkout) and adds the
/// Secret with its credentials to the preview, before anything is applied.
struct DatabaseStep {
    let dependencies: ControllerDependencies

    func run(_ rendered: RenderStep.Result, settings: PreviewSettings) async throws(StepFailure) -> RenderedPreview {
        guard settings.database.enabled else { return rendered.preview }
        guard let provisioner = dependencies.databases[rendered.preview.key.repository] else {
            throw .invalid("database.enabled is set but no PostgreSQL server is configured for \(rendered.preview.key.repository)")
        }
        do {
            let secret = try await provisioner.ensureSecret(
                for: rendered.preview.key, names: rendered.preview.names, settings: settings.database, checkout: rendered.checkout)
            return rendered.preview.adding([secret])
        } catch {
            let message = String(describing: error)
            // A seed that fails names its file and line; that needs a fix in the PR, not a retry.
            if message.hasPrefix("seed ") { throw .invalid("database \(message)", context: .seed) }
            throw .transient("database: \(message)")
        }
    }
}
