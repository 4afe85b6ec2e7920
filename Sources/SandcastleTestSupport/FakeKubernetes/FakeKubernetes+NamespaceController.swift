import Foundation
import SandcastleCore

extension FakeKubernetes {
    /// Runs the controller stand-ins (finalizers, quotas, workloads, routes, GitOps engines), then
    /// the namespace controller: it empties each `Terminating` namespace once its delay has
    /// passed; content with finalizers keeps it `Terminating` with the conditions a real server reports.
    func runControllers() {
        let now = Date()
        runFinalizers()
        runQuotas()
        runRollouts(now: now)
        runRoutes(now: now)
        runGitOps(now: now)
        for (key, namespace) in objects where key.plural == "namespaces" && key.group.isEmpty {
            guard let deleted = namespace.value(at: "metadata.deletionTimestamp")?.string,
                let since = RFC3339.date(deleted), now.timeIntervalSince(since) >= namespaceDeletionDelay
            else { continue }
            for (contentKey, content) in objects where contentKey.namespace == key.name && !contentKey.namespace.isEmpty {
                guard let type = types.first(where: { $0.group == contentKey.group && $0.plural == contentKey.plural }) else { continue }
                if content.value(at: "metadata.deletionTimestamp") == nil {
                    _ = try? delete(type, namespace: contentKey.namespace, name: contentKey.name, preconditionUID: nil)
                }
            }
            let remaining = objects.filter { $0.key.namespace == key.name }
            if remaining.isEmpty {
                store(key, nil)
                applied[key] = nil
                continue
            }
            var counts: [String: Int] = [:]
            var finalizers: [String: Int] = [:]
            for (contentKey, content) in remaining {
                counts["\(contentKey.plural)\(contentKey.group.isEmpty ? "" : ".\(contentKey.group)")", default: 0] += 1
                for finalizer in content.value(at: "metadata.finalizers")?.array ?? [] { finalizers[finalizer.string ?? "", default: 0] += 1 }
            }
            let time = RFC3339.string(now)
            func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> ManifestValue {
                [
                    "type": .string(type), "status": .string(status), "lastTransitionTime": .string(time), "reason": .string(reason),
                    "message": .string(message),
                ]
            }
            var updated = namespace
            let before = (namespace.value(at: "status.conditions")?.array ?? []).compactMap(\.object)
            /// A condition that did not change keeps its transition time (and the namespace its resourceVersion).
            func keepingTimes(_ conditions: [ManifestValue]) -> ManifestValue {
                .array(
                    conditions.map { value in
                        guard var condition = value.object,
                            let old = before.first(where: { $0["type"] == condition["type"] }),
                            old["status"] == condition["status"], old["reason"] == condition["reason"], old["message"] == condition["message"]
                        else { return value }
                        condition["lastTransitionTime"] = old["lastTransitionTime"]
                        return .object(condition)
                    })
            }
            updated.set(
                keepingTimes([
                    condition("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
                    condition(
                        "NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
                    condition(
                        "NamespaceDeletionContentFailure", "False", "ContentDeleted",
                        "All content successfully deleted, may be waiting on finalization"),
                    condition(
                        "NamespaceContentRemaining", "True", "SomeResourcesRemain",
                        "Some resources are remaining: "
                            + counts.sorted { $0.key < $1.key }.map { "\($0.key) has \($0.value) resource instances" }.joined(separator: ", ")),
                    condition(
                        "NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                        "Some content in the namespace has finalizers remaining: "
                            + finalizers.sorted { $0.key < $1.key }.map { "\($0.key) in \($0.value) resource instances" }.joined(separator: ", ")),
                ]), at: "status.conditions")
            if updated != namespace {
                updated.set(.string(nextRevision()), at: "metadata.resourceVersion")
                store(key, updated)
            }
        }
    }
}
