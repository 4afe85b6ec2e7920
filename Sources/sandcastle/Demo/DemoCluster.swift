import Foundation
import SandcastleCore
import SandcastleKubernetes

/// What `sandcastle demo --cluster` shows after each step: whether the preview's namespace exists
/// and, when it should, whether its workloads are ready, judged as `kubectl rollout status` judges
/// them, with the reason the cluster gives while they are not (a pod's waiting reason, a quota).
struct DemoCluster {
    let client: KubernetesClient
    let namespace: String

    /// Prints what the cluster holds; with `waitForReadiness` waits up to `timeout` seconds for
    /// every workload to be ready. `problem` says what did not happen.
    func report(waitForReadiness: Bool, timeout: Double) async throws -> (present: Bool, problem: String?) {
        let namespaceObject = try await client.get(ResourceRef(apiVersion: "v1", kind: "Namespace", name: namespace))
        guard let namespaceObject, namespaceObject.value(at: "metadata.deletionTimestamp") == nil else {
            print("  cluster: namespace \(namespace) is gone")
            return (false, nil)
        }
        guard waitForReadiness else {
            print("  cluster: namespace \(namespace) exists")
            return (true, nil)
        }
        let started = Date()
        var last = ""
        while true {
            var workloads: [ManifestObject] = []
            for (apiVersion, kind) in [("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet")] {
                workloads += try await client.list(
                    apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)"
                )
            }
            var waiting: [String] = []
            var failed: [String] = []
            for workload in workloads {
                switch WorkloadReadiness.judge(workload) {
                case .ready: break
                case .progressing(let why): waiting.append(why)
                case .failed(let why): failed.append(why)
                }
            }
            let seconds = Int(Date().timeIntervalSince(started))
            if waiting.isEmpty, failed.isEmpty {
                print("  cluster: ready after \(seconds) s: \(workloads.count) workload(s) available in namespace \(namespace)")
                return (true, nil)
            }
            let reason = (failed + waiting + (try await podReasons())).joined(separator: "; ")
            if !failed.isEmpty || Double(seconds) >= timeout {
                print("  cluster: not ready after \(seconds) s: \(reason)")
                return (true, "not ready after \(seconds) s: \(reason)")
            }
            if reason != last {
                print("  cluster: waiting: \(reason)")
                last = reason
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Why pods are not running: each container's waiting reason and message.
    private func podReasons() async throws -> [String] {
        let pods = try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace, labelSelector: nil)
        var reasons: [String] = []
        for pod in pods {
            let name = pod.value(at: "metadata.name")?.string ?? "?"
            for status in (pod.value(at: "status.containerStatuses")?.array ?? []).compactMap(\.object) {
                guard let waiting = status["state"]?.object?["waiting"]?.object, let reason = waiting["reason"]?.string else { continue }
                let message = waiting["message"]?.string.map { ": \($0)" } ?? ""
                reasons.append("pod \(name): \(reason)\(message)")
            }
        }
        return reasons
    }
}
