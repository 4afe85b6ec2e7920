import ArgumentParser
import SandcastleCore

/// `sandcastle validate -c FILE`: checks a configuration and prints what it resolves to.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration file and list every problem with its field and line."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        print("\(options.config): valid (\(config.repositories.count) repositories)")
        switch config.sink.kind {
        case .argocd:
            let project = config.sink.argocd.project.map { "the shared project \($0)" } ?? "each in its own AppProject"
            print("  sink argocd: an Application per preview in namespace \(config.sink.argocd.namespace), \(project)")
        case .flux: print("  sink flux: sources and a Kustomization or HelmRelease per preview in namespace \(config.sink.flux.namespace)")
        case .cluster, .directory: break
        }
        for repo in config.repositories {
            let names = PreviewNames(key: PreviewKey(repository: repo.name, number: 1), settings: repo.settings)
            print(
                "  \(repo.name): namespace \(names.namespace), host \(names.host), bundle \(repo.settings.bundle.path) (\(repo.settings.bundle.kind.rawValue)), ttl \(repo.settings.ttl)"
            )
        }
    }
}
