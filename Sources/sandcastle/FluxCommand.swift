import ArgumentParser
import Foundation
import SandcastleCore

/// `sandcastle flux`: what Flux needs for previews.
struct FluxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flux",
        abstract: "Flux objects for previews.",
        subcommands: [FluxRoleCommand.self]
    )
}

/// `sandcastle flux role`: prints the ClusterRole each preview's Flux ServiceAccount is bound to.
struct FluxRoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Print the ClusterRole Flux impersonates for previews (apply it with kubectl apply -f -).",
        discussion: """
            Sandcastle binds it in each preview namespace only (RoleBinding sandcastle-flux-deployer) to that \
            preview's ServiceAccount in the Flux namespace, which its Kustomization or HelmRelease impersonates: \
            the namespaced kinds a bundle may contain (not the baselines Sandcastle applies itself), and nothing cluster-scoped.
            """
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        print(ManifestYAML.emitStream([.object(FluxDeployerRole.object(for: try options.load()))]), terminator: "")
    }
}
