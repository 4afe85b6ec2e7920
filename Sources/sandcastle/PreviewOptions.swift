import ArgumentParser
import Foundation
import SandcastleCore

/// The options that name and render one preview: `--repo --pr --sha --bundle [--image]`.
struct PreviewOptions: ParsableArguments {
    @Option(help: "The repository, OWNER/NAME, as configured.")
    var repo: RepositoryName

    @Option(help: "The pull request number.")
    var pr: Int

    @Option(help: "The head commit, 40 lowercase hex digits.")
    var sha: String

    @Option(help: "The bundle directory (the repository's deploy/preview at that commit).")
    var bundle: String

    @Option(name: .customLong("image"), help: "Pin an image: NAME=sha256:DIGEST (repeatable; overrides the configuration).")
    var images: [String] = []

    func validate() throws {
        guard pr > 0 else { throw ValidationError("--pr must be a positive number") }
        guard RenderContext.isCommitSHA(sha) else { throw ValidationError("--sha must be 40 lowercase hex digits") }
        _ = try parsedPins()
    }

    func parsedPins() throws -> [ImagePin] {
        try images.map { text in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ImageReference(parsing: parts[0])?.isBare == true, ImageReference.isDigest(parts[1]) else {
                throw ValidationError("--image '\(text)' must be NAME=sha256:<64 hex>, with NAME free of tag and digest")
            }
            return ImagePin(name: parts[0], digest: parts[1])
        }
    }

    /// Renders the preview with `config` (from `configPath`), warning about unpinned images; with
    /// `sink` (argocd or flux) as that engine's objects instead of the configured sink's.
    func render(_ config: SandcastleConfig, configPath: String, sink: SinkConfig.Kind? = nil) throws -> RenderedPreview {
        var sinkConfig = config.sink
        if let sink { sinkConfig.kind = sink }
        let repository = try config.configured(repo, configPath: configPath)
        let context = RenderContext(
            key: PreviewKey(repository: repository.name, number: pr), sha: sha, settings: repository.settings, imageOverrides: try parsedPins())
        let rendered: RenderedPreview
        do {
            rendered = try Renderer(engine: GitOpsEngine(sink: sinkConfig, forgeAPIURL: config.forge.apiURL)).render(context, bundleDirectory: bundle)
        } catch {
            throw InvalidInput(error.description)
        }
        for image in rendered.unpinnedImages {
            FileHandle.standardError.write(Data("warning: image \(image) is not pinned to a digest\n".utf8))
        }
        return rendered
    }
}

extension SandcastleConfig {
    /// The repository's configuration, or an error listing what is configured.
    func configured(_ name: RepositoryName, configPath: String) throws -> RepositoryConfig {
        guard let repository = repository(name) else {
            let known = repositories.map(\.name.description).joined(separator: ", ")
            throw InvalidInput("repository '\(name)' is not configured in \(configPath) (configured: \(known))")
        }
        return repository
    }
}
