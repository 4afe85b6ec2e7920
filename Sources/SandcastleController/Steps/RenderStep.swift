import Foundation
import SandcastleCore

/// Step "bundle": checks out the PR's head commit and renders namespace, baselines, bundle and
/// hook Jobs. Rendering runs `kubectl kustomize`, so it runs off the cooperative pool.
struct RenderStep {
    let dependencies: ControllerDependencies

    /// The rendered preview and the checkout it came from.
    struct Result: Sendable {
        var preview: RenderedPreview
        var checkout: String
    }

    /// Throws naming what went wrong: stalled for a bundle that breaks the contract (a human must
    /// fix the PR), transient for a checkout that failed.
    func run(_ pr: PullRequestSnapshot, settings: PreviewSettings) async throws(StepError) -> Result {
        let checkout: String
        do {
            checkout = try await dependencies.bundles.checkout(pr.key, sha: pr.headSHA)
        } catch {
            throw StepError(.transient, "checkout of \(pr.headSHA.prefix(12)) failed: \(error)")
        }
        var forkAware = RenderContext(key: pr.key, sha: pr.headSHA, settings: settings)
        forkAware.fromFork = pr.isFromFork
        let context = forkAware
        let directory: String
        do {
            directory = try BundleFiles.directory(inside: checkout, at: settings.bundle.path)
        } catch {
            throw StepError(.stalled, "the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
        let renderer = dependencies.renderer
        let rendered = await runOffPool { Swift.Result { () throws(RenderError) in try renderer.render(context, bundleDirectory: directory) } }
        switch rendered {
        case .success(let preview): return Result(preview: preview, checkout: checkout)
        case .failure(let error): throw StepError(.stalled, "the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
    }
}
