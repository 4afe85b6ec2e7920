import ArgumentParser
import Foundation
import SandcastleCore
import SandcastleKubernetes

/// `sandcastle cluster …`: commands about the cluster itself.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Check the cluster Sandcastle runs against.", subcommands: [ClusterCheckCommand.self])
}

/// `sandcastle cluster check`: can these credentials do what `sandcastle run` needs?
struct ClusterCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Verify the cluster credentials: the API server answers, the CRD is installed, every permission is granted, the Lease can be written.",
        discussion: """
            Permissions are asked with SelfSubjectAccessReview; the Lease is written with dryRun=All, so nothing changes. \
            Prints one line per check. Exit code 0 when everything works, 1 otherwise.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Namespace of the leader-election Lease (default: $POD_NAMESPACE, else sandcastle-system).")
    var leaseNamespace: String?

    @Option(name: [.short, .customLong("config")], help: "sandcastle.yaml: also check what its sink needs (the Argo CD or Flux sink).")
    var config: String?

    func run() async throws {
        var engine: GitOpsEngine?
        if let config {
            do {
                let loaded = try ConfigLoader.load(path: config)
                engine = GitOpsEngine(sink: loaded.sink, forgeAPIURL: loaded.forge.apiURL)
            } catch {
                throw InvalidInput(error.description)
            }
        }
        let client = try cluster.client()
        let report = await client.checkAccess(leaseNamespace: leaseNamespace ?? LeaseDefaults.namespace, engine: engine)
        try? await client.shutdown()
        for finding in report.findings {
            print("\(finding.ok ? "ok  " : "FAIL") \(finding.subject): \(finding.detail)")
        }
        if !report.ok { throw ExitCode(1) }
    }
}

/// Where the leader-election Lease lives unless configured.
enum LeaseDefaults {
    static var namespace: String { ProcessInfo.processInfo.environment["POD_NAMESPACE"] ?? "sandcastle-system" }
}
