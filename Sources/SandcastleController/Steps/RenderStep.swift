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

    /// The credentials of the registries whose pull Secret goes into this PR's preview (none for a
    /// fork unless the registry allows it), read from their secret references at each render, so
    /// a rotated credential reaches the previews at their next reconcile.
    func pullCredentials(for pr: PullRequestSnapshot) throws(StepError) -> [RegistryCredentials.Entry] {
        var entries: [RegistryCredentials.Entry] = []
        for registry in dependencies.config.registries where registry.pullSecret && (!pr.isFromFork || registry.allowForks) {
            do {
                guard let credentials = try registry.resolvedCredentials() else { continue }
                entries.append(.init(host: registry.host, username: credentials.username, password: credentials.password))
            } catch {
                throw StepError(.transient, "reading the credentials of registry \(registry.host): \(error)")
            }
        }
        return entries
    }

    /// The digests for this commit: the lock file's pins, then each `images` tag template resolved
    /// through the registry. A tag not pushed yet throws ``ImageResolutionError/notFound(_:)``
    /// (waiting); a malformed lock file or an invalid tag is stalled.
    func images(_ pr: PullRequestSnapshot, settings: PreviewSettings, checkout: String) async throws(StepError) -> [ImagePin] {
        var pins: [ImagePin] = []
        if let lockFile = settings.imageOptions.lockFile {
            do {
                pins += try ImageTags.readLockFile(lockFile, inside: checkout)
            } catch {
                throw StepError(.stalled, "at \(pr.headSHA.prefix(12)): \(error.description)")
            }
        }
        let requests: [ImageTags.Request]
        do {
            requests = try ImageTags.requests(key: pr.key, sha: pr.headSHA, settings: settings)
        } catch {
            throw StepError(.stalled, error.description)
        }
        guard !requests.isEmpty else { return pins }
        guard let resolver = dependencies.images else {
            throw StepError(.stalled, "images use tag templates but this controller has no registry client")
        }
        for request in requests {
            do {
                pins.append(
                    ImagePin(name: request.name, digest: try await resolver.digest(of: request, immutable: request.isImmutable(sha: pr.headSHA))))
            } catch ImageResolutionError.notFound(let image) {
                var wait = StepError(.waiting, "waiting for \(image)")
                wait.waitingForImage = image
                throw wait
            } catch {
                throw StepError(error, doing: "resolving \(request)")
            }
        }
        return pins
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
        forkAware.resolved = try await images(pr, settings: settings, checkout: checkout)
        let pullCredentials = try pullCredentials(for: pr)
        if !pullCredentials.isEmpty { forkAware.pullSecretName = RegistryCredentials.secretName }
        let context = forkAware
        let directory: String
        do {
            // A chart from a chart repository is the engine's to fetch: the repository holds no bundle.
            let chartElsewhere = dependencies.renderer.engine != nil && settings.bundle.kind == .helm && settings.bundle.helm.chart != nil
            directory = chartElsewhere ? checkout : try BundleFiles.directory(inside: checkout, at: settings.bundle.path)
        } catch {
            throw StepError(.stalled, "the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
        let renderer = dependencies.renderer
        let rendered = await runOffPool { Swift.Result { () throws(RenderError) in try renderer.render(context, bundleDirectory: directory) } }
        switch rendered {
        case .success(let preview):
            let withCredentials = pullCredentials.isEmpty ? preview : preview.adding([RegistryCredentials.secret(pullCredentials, context: context)])
            return Result(preview: withCredentials, checkout: checkout)
        case .failure(let error): throw StepError(.stalled, "the bundle at \(pr.headSHA.prefix(12)) cannot be rendered: \(error.description)")
        }
    }
}
