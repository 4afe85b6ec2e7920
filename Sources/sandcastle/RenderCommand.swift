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

    @OptionGroup var preview: PreviewOptions

    @Option(name: [.short, .customLong("output")], help: "Write one file per object into this directory instead of stdout.")
    var output: String?

    @Option(
        help:
            "Render for this sink instead of the configured one: argocd or flux print the namespace, its baselines and the engine's objects (the engine renders the bundle)."
    )
    var sink: SinkConfig.Kind?

    func validate() throws {
        if let sink, sink == .directory || sink == .cluster { throw ValidationError("--sink takes argocd or flux; the cluster sink is the default") }
    }

    func run() throws {
        let rendered = try preview.render(try options.load(), configPath: options.config, sink: sink)
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

extension SinkConfig.Kind: ExpressibleByArgument {}
