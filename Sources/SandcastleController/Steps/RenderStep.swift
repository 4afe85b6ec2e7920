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

    /// Throws ``StepFailure`` naming what went wrong: `.invalid` for a bundle that breaks the
    /// contract (a human must fix the PR), `.transient` for a checkout that failed.
    func run(_ pr: PullRequestSnapshot, settings: PreviewSettings) async throws(StepFailure) -> Result {
        let checkout: String
        do {
            checkout = try await dependencies.bundles.checkout(pr.key, sha: pr.headSHA)
        } catch {
            throw .transient("checkout of \(pr.headSHA.prefix(12)) failed: \(error)")
        }
        let context = RenderContext(key: pr.key, sha: pr.headSHA, settings: settings)
        let directory: String
        do {
            directory = try BundleFiles.directory(inside: checkout, at: settings.bundle.path)
        } catch {
            throw .invalid("the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
        let renderer = dependencies.renderer
        let rendered = await runOffPool { Swift.Result { () throws(RenderError) in try renderer.render(context, bundleDirectory: directory) } }
        switch rendered {
        case .success(let preview): return Result(preview: preview, checkout: checkout)
        case .failure(let error): throw .invalid("the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
    }
}

/// Why a step did not complete, classified by what the controller does next.
enum StepFailure: Error, Sendable, CustomStringConvertible {
    /// Needs a human (a broken bundle, a failing seed): reported on the PR under `context` (and
    /// `sandcastle/deploy`), not retried until it changes.
    case invalid(String, context: CommitStatus.Context = .deploy)
    /// Retry with backoff (the forge, the cluster or the database did not answer).
    case transient(String)

    var description: String {
        switch self {
        case .invalid(let why, _), .transient(let why): why
        }
    }
}
