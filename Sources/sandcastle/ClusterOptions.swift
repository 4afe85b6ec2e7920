import ArgumentParser
import Foundation
import SandcastleKubernetes

/// How commands reach the cluster: `--kubeconfig`, else `$KUBECONFIG`, `~/.kube/config`, in-cluster.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path of a kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account).")
    var kubeconfig: String?

    @Option(help: "Use this kubeconfig context instead of the current one.")
    var context: String?

    func client() throws -> KubernetesClient {
        do {
            let config =
                if let context, let kubeconfig { try KubeConfig.file(kubeconfig, context: context) } else {
                    try KubeConfig.load(explicitPath: kubeconfig)
                }
            return try KubernetesClient(config: config)
        } catch let error as KubeConfigError {
            throw InvalidInput(error.description)
        }
    }
}
