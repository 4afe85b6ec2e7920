import ArgumentParser
import Foundation
import SandcastleCore

/// `sandcastle argocd`: what Argo CD needs for previews.
struct ArgoCDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argocd",
        abstract: "Argo CD objects for previews.",
        subcommands: [ArgoCDProjectCommand.self]
    )
}

/// `sandcastle argocd project`: prints the least-privilege AppProject for the configured repositories.
struct ArgoCDProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Print the least-privilege AppProject for previews (apply it with kubectl apply -f -).",
        discussion: """
            Destinations are limited to each repository's preview namespace pattern (the fixed prefix of \
            namespaceTemplate), no cluster-scoped resource is allowed, the namespaced kinds are those a bundle may \
            contain (not the baselines Sandcastle applies itself), and the source repositories are the configured ones.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The AppProject's name (default: sink.argocd.project, else previews).")
    var name: String?

    @Option(help: "Argo CD's namespace (default: sink.argocd.namespace, else argocd).")
    var namespace: String?

    func validate() throws {
        guard [name, namespace].allSatisfy({ $0.map(NameScheme.dnsLabel.isValid) ?? true }) else {
            throw ValidationError("--name and --namespace must be lowercase DNS labels")
        }
    }

    func run() throws {
        let config = try options.load()
        let project = ArgoCDProject.object(
            for: config, name: name ?? config.sink.argocd.project ?? "previews", namespace: namespace ?? config.sink.argocd.namespace)
        print(ManifestYAML.emitStream([.object(project)]), terminator: "")
    }
}
