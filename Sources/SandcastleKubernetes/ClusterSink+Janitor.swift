import Foundation
import SandcastleCore

extension ClusterSink {
    /// Deletes namespaces (and with a GitOps engine, the engine's objects) that carry Sandcastle's
    /// ownership label and a preview UID no PreviewEnvironment has any more (their owner was
    /// deleted without cascading). Each delete
    /// carries the namespace's UID as a precondition. A namespace without the UID annotation, or
    /// whose owner still exists, is left alone.
    public func reapOrphans() async throws -> [String] {
        let selector = "\(Ownership.managedByLabel)=\(Ownership.managedByValue)"
        let environments = try await client.list(
            apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil, labelSelector: selector)
        let owners = Set(environments.compactMap { $0.value(at: "metadata.uid")?.string })
        let namespaces = try await client.list(apiVersion: "v1", kind: "Namespace", namespace: nil, labelSelector: selector)
        var reaped: [String] = []
        for namespace in namespaces {
            guard let name = namespace.value(at: "metadata.name")?.string,
                let owner = namespace.stringMap(at: "metadata.annotations")[PreviewEnvironment.uidAnnotation], !owners.contains(owner),
                namespace.value(at: "metadata.deletionTimestamp") == nil
            else { continue }
            let ref = ResourceRef(apiVersion: "v1", kind: "Namespace", name: name)
            if try await client.delete(ref, propagation: .background, uid: namespace.value(at: "metadata.uid")?.string) {
                reaped.append("namespace \(name) (its PreviewEnvironment \(owner) is gone)")
            }
        }
        if let engine = options.engine {
            for (apiVersion, kind) in engine.writtenKinds {
                for object in try await client.list(apiVersion: apiVersion, kind: kind, namespace: engine.namespace, labelSelector: selector) {
                    guard let name = object.value(at: "metadata.name")?.string,
                        let owner = object.stringMap(at: "metadata.annotations")[PreviewEnvironment.uidAnnotation], !owners.contains(owner),
                        object.value(at: "metadata.deletionTimestamp") == nil
                    else { continue }
                    let ref = ResourceRef(apiVersion: apiVersion, kind: kind, namespace: engine.namespace, name: name)
                    if try await client.delete(ref, propagation: .background, uid: object.value(at: "metadata.uid")?.string) {
                        reaped.append("\(kind) \(engine.namespace)/\(name) (its PreviewEnvironment \(owner) is gone)")
                    }
                }
            }
        }
        return reaped
    }

    /// The stored PreviewEnvironment of `key`: one GET by the name it was last seen with (checked
    /// against its spec), else selected by its PR label and matched on its spec.
    func environment(of key: PreviewKey) async throws -> ManifestObject? {
        if let name = names.withLock({ $0[key] }), let object = try await client.get(PreviewEnvironment.ref(name)),
            PreviewEnvironment.key(of: object) == key
        {
            return object
        }
        let selector = "\(Ownership.managedByLabel)=\(Ownership.managedByValue),\(Ownership.prLabel)=\(key.number)"
        let found = try await client.list(
            apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil, labelSelector: selector
        ).first { PreviewEnvironment.key(of: $0) == key }
        if let name = found?.value(at: "metadata.name")?.string { names.withLock { $0[key] = name } }
        return found
    }
}

extension ClusterSink {
    /// The field manager of `status.reportingProblem`, so the controller's own status applies keep it.
    static let reportingManager = "sandcastle-reporting"

    /// Sets (or with `nil` clears) `status.reportingProblem` on the PreviewEnvironment of `key`.
    public func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws {
        guard let environment = try await environment(of: key), let name = environment.value(at: "metadata.name")?.string else { return }
        var status = ManifestObject()
        if let problem { status["reportingProblem"] = .string(String(problem.prefix(1024))) }
        _ = try await client.applyStatus(
            [
                "apiVersion": .string(PreviewEnvironment.apiVersion), "kind": .string(PreviewEnvironment.kind), "metadata": ["name": .string(name)],
                "status": .object(status),
            ], asManager: Self.reportingManager)
    }
}
