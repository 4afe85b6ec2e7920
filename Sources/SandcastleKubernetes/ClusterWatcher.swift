import Foundation
import Logging
import SandcastleCore

/// Watches what a preview is made of and tells which preview changed: PreviewEnvironments,
/// namespaces, workloads and pods carrying Sandcastle's label, one cluster-wide watch per kind
/// with a label selector. The resourceVersion is kept across the server's watch timeouts; a
/// `410 Gone` or `ERROR` event starts over from a fresh list (the initial `ADDED` events), so
/// nothing that happened in between is missed. A rollout that completes reaches the preview's
/// reconcile within a second instead of at its next requeue.
public final class ClusterWatcher: ChangeFeed, Sendable {
    /// The kinds watched, in the order the watches start.
    public static let kinds: [(apiVersion: String, kind: String)] = [
        (PreviewEnvironment.apiVersion, PreviewEnvironment.kind), ("v1", "Namespace"), ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"), ("batch/v1", "Job"), ("v1", "Pod"),
    ]

    let client: KubernetesClient
    /// Label value → repository, for the configured repositories (labels hold a lowercased or hashed form).
    let repositories: [String: RepositoryName]
    let logger: Logger
    /// How long the server keeps one watch open.
    let timeoutSeconds: Int

    public init(client: KubernetesClient, repositories: [RepositoryName], logger: Logger, timeoutSeconds: Int = 300) {
        self.client = client
        self.repositories = Dictionary(repositories.map { (Ownership.repositoryLabelValue($0), $0) }, uniquingKeysWith: { first, _ in first })
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
    }

    public func changes() -> AsyncStream<PreviewKey> {
        AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for kind in Self.kinds {
                        group.addTask { await self.watch(apiVersion: kind.apiVersion, kind: kind.kind) { continuation.yield($0) } }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Watches one kind until cancelled, resuming from the last resourceVersion.
    private func watch(apiVersion: String, kind: String, yield: @Sendable (PreviewKey) -> Void) async {
        var resourceVersion: String?
        var failures = 0
        // PreviewEnvironments: what was seen of each (generation, being deleted), so the
        // controller's own status writes do not enqueue its preview again.
        var seen: [String: String] = [:]
        while !Task.isCancelled {
            do {
                let events = client.watch(
                    apiVersion: apiVersion, kind: kind, labelSelector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)",
                    resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds)
                for try await event in events {
                    failures = 0
                    if let version = event.resourceVersion { resourceVersion = version }
                    if event.kind == .bookmark { continue }
                    if kind == PreviewEnvironment.kind, let uid = event.object.value(at: "metadata.uid")?.string {
                        let shape = Self.specShape(event.object)
                        if event.kind == .deleted {
                            seen[uid] = nil
                        } else if seen.updateValue(shape, forKey: uid) == shape {
                            continue  // a status write (the controller's own): nothing new to decide on
                        }
                    }
                    if let key = key(of: event.object) { yield(key) }
                }
            } catch {
                if Task.isCancelled { return }
                if case KubernetesError.status(let status) = error, status.code == 410 || status.code == 500 {
                    resourceVersion = nil  // compacted or broken: start over from a fresh list
                }
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning("watch of \(kind) failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try? await Task.sleep(for: .milliseconds(min(5_000, 100 * (1 << min(failures, 6)))))
            }
        }
    }

    /// What of a PreviewEnvironment is not its status: its generation and whether it is being deleted.
    static func specShape(_ object: ManifestObject) -> String {
        let generation: String = if case .int(let value) = object.value(at: "metadata.generation") { String(value) } else { "" }
        return generation + (object.value(at: "metadata.deletionTimestamp") == nil ? "" : " deleting")
    }

    /// The preview an object belongs to: the PreviewEnvironment's spec, or the labels every object
    /// of a preview (and every pod it runs) carries.
    func key(of object: ManifestObject) -> PreviewKey? {
        if object["kind"]?.string == PreviewEnvironment.kind { return PreviewEnvironment.key(of: object) }
        let labels = object.stringMap(at: "metadata.labels")
        guard let label = labels[Ownership.repositoryLabel], let repository = repositories[label],
            let number = labels[Ownership.prLabel].flatMap(Int.init)
        else { return nil }
        return PreviewKey(repository: repository, number: number)
    }
}
