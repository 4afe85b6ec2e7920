import ArgumentParser
import Foundation
import SandcastleCore
import SandcastleDirectorySink

/// `sandcastle render`: renders one preview offline, to stdout or one file per object.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render one pull request's preview: baselines plus the bundle, pinned and namespaced.",
        discussion: "Nothing is written unless the whole preview renders; with -o, files are replaced only after success."
    )

    @OptionGroup var options: ConfigOption

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

    @Option(name: [.short, .customLong("output")], help: "Write one file per object into this directory instead of stdout.")
    var output: String?

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

    func run() throws {
        let config = try options.load()
        guard let repository = config.repository(repo) else {
            let known = config.repositories.map(\.name.description).joined(separator: ", ")
            throw InvalidInput("repository '\(repo)' is not configured in \(options.config) (configured: \(known))")
        }
        let context = RenderContext(
            key: PreviewKey(repository: repository.name, number: pr), sha: sha, settings: repository.settings, imageOverrides: try parsedPins())
        let rendered: RenderedPreview
        do {
            rendered = try Renderer().render(context, bundleDirectory: bundle)
        } catch {
            throw InvalidInput(error.description)
        }
        for image in rendered.unpinnedImages {
            FileHandle.standardError.write(Data("warning: image \(image) is not pinned to a digest\n".utf8))
        }
        if let output {
            do {
                try ManifestDirectory(path: output).write(rendered)
            } catch {
                throw InvalidInput("cannot write to \(output): \(error)")
            }
            FileHandle.standardError.write(
                Data("wrote \(rendered.objects.count) objects to \(output) (content \(rendered.contentHash.prefix(12)))\n".utf8))
        } else {
            print("# sandcastle: \(rendered.key) at \(rendered.sha), namespace \(rendered.names.namespace), content sha256:\(rendered.contentHash)")
            print(rendered.yamlStream, terminator: "")
        }
    }
}
