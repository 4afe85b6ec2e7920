import Foundation
import SandcastleCore

/// Step "database": ensures the preview's own database (seeded from the checkout) and adds the
/// Secret with its credentials to the preview, before anything is applied.
struct DatabaseStep {
    let dependencies: ControllerDependencies

    func run(_ rendered: RenderStep.Result, settings: PreviewSettings) async throws(StepError) -> RenderedPreview {
        guard settings.database.enabled else { return rendered.preview }
        let provisioner: any DatabaseProvisioning
        do {
            provisioner = try dependencies.databases.provisioner(
                for: RepositoryConfig(name: rendered.preview.key.repository, settings: settings))
        } catch {
            throw StepError(.stalled, "\(error)")
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
        guard
            let provisioner = dependencies.databases.existing(key.repository)
                ?? (try? dependencies.databases.provisioner(for: RepositoryConfig(name: key.repository, settings: settings)))
        else { return }
        do {
            _ = try await provisioner.drop(identifier: PreviewNames(key: key, settings: settings).databaseIdentifier)
        } catch {
            throw StepError(error, doing: "dropping the database")
        }
    }
}
