import Foundation
import SandcastleCore

/// Secrets copied into previews: the render has a placeholder per copy (annotated with its
/// source); the sink fills it from the source when it applies, and notices when the source changed.
/// Secret data is never logged, recorded on the PreviewEnvironment or put in an error.
extension ClusterSink {
    /// `objects` with each copy placeholder filled from its source Secret (type and data), and
    /// the source's resourceVersion recorded on the copy.
    func resolveCopies(_ objects: [Manifest]) async throws -> [Manifest] {
        var resolved: [Manifest] = []
        for object in objects {
            guard object.kind == "Secret", let source = object.metadata["annotations"]?.object?[PreviewExposure.copyFromAnnotation]?.string else {
                resolved.append(object)
                continue
            }
            let parts = source.split(separator: "/").map(String.init)
            guard parts.count == 2, parts[0] != ClusterNamespaces.controller, parts[0] != options.controllerNamespace else {
                throw ClusterSinkError.secretSource(source, reason: "is not one Sandcastle may copy (the controller's own namespace)")
            }
            guard let secret = try await client.get(ResourceRef(apiVersion: "v1", kind: "Secret", namespace: parts[0], name: parts[1])) else {
                throw ClusterSinkError.secretSource(source, reason: "does not exist; create it, and the previews copying it are applied again")
            }
            var copy = object
            copy.object["type"] = secret["type"] ?? "Opaque"
            copy.object["data"] = secret["data"] ?? .object(ManifestObject())
            copy.merge([PreviewExposure.sourceVersionAnnotation: secret.value(at: "metadata.resourceVersion")?.string ?? ""], into: "annotations")
            resolved.append(copy)
        }
        return resolved
    }

    /// The copies among `live` whose source changed (or is gone) since they were made.
    func staleCopies(_ live: some Sequence<ManifestObject>) async throws -> [String] {
        var stale: [String] = []
        for object in live where object["kind"]?.string == "Secret" {
            let annotations = object.stringMap(at: "metadata.annotations")
            guard let source = annotations[PreviewExposure.copyFromAnnotation] else { continue }
            let parts = source.split(separator: "/").map(String.init)
            guard parts.count == 2 else { continue }
            let current = try await client.get(ResourceRef(apiVersion: "v1", kind: "Secret", namespace: parts[0], name: parts[1]))
            guard let version = current?.value(at: "metadata.resourceVersion")?.string else { continue }  // gone: keep the copy
            if version != annotations[PreviewExposure.sourceVersionAnnotation] {
                stale.append("Secret/\(object.value(at: "metadata.name")?.string ?? "?") (its source \(source) changed)")
            }
        }
        return stale.sorted()
    }
}
