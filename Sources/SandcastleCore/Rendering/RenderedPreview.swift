import Crypto
import Foundation

/// A preview's complete, ordered object set and its content hash.
public struct RenderedPreview: Sendable {
    public var key: PreviewKey
    public var sha: String
    public var names: PreviewNames
    /// Objects in apply order: Namespace first, workloads and Jobs last.
    public var objects: [Manifest]
    /// SHA-256 (hex) over the canonical JSON of every object in order; equal sets have equal hashes.
    public var contentHash: String
    /// Container images that no digest pinned.
    public var unpinnedImages: [String]
    /// The seed and verify Jobs, not applied with the objects: run once the preview is ready.
    public var hooks: [HookJob]
    /// The GitOps engine's objects (an Argo CD Application, Flux sources and a Kustomization or
    /// HelmRelease), in the engine's namespace; empty when Sandcastle applies the bundle itself.
    public var engineObjects: [Manifest]

    init(
        key: PreviewKey, sha: String, names: PreviewNames, objects: [Manifest], hooks: [HookJob] = [], engineObjects: [Manifest] = [],
        unpinnedImages: [String]
    ) {
        self.key = key
        self.sha = sha
        self.names = names
        self.hooks = hooks
        self.objects = RenderedPreview.ordered(objects)
        self.engineObjects = engineObjects
        self.contentHash = RenderedPreview.hash(self.objects + engineObjects)
        self.unpinnedImages = Array(Set(unpinnedImages)).sorted()
    }

    /// The objects, then the hook Jobs and the engine objects, as one YAML stream.
    public var yamlStream: String {
        ManifestYAML.emitStream((objects + hooks.map(\.manifest) + engineObjects).map { .object($0.object) })
    }

    /// Apply tier of a kind: dependencies before the things that use them.
    public static func tier(of kind: String) -> Int {
        switch kind {
        case "Namespace": 0
        case "ServiceAccount": 1
        case "ResourceQuota", "LimitRange": 2
        case "NetworkPolicy": 3
        case "Role", "RoleBinding": 4
        case "Secret", "ConfigMap": 5
        case "PersistentVolumeClaim": 6
        case "Service": 7
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod": 9
        case "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress": 10
        case "CronJob": 11
        case "Job": 12
        default: 8
        }
    }

    static func ordered(_ objects: [Manifest]) -> [Manifest] {
        objects.sorted { a, b in
            (tier(of: a.kind), a.kind, a.group, a.name) < (tier(of: b.kind), b.kind, b.group, b.name)
        }
    }

    static func hash(_ objects: [Manifest]) -> String {
        var hasher = SHA256()
        for object in objects {
            hasher.update(data: Array(object.canonicalJSONBytes))
            hasher.update(data: [0x0A])
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension RenderedPreview {
    /// The preview with `extra` objects (e.g. the database Secret) in apply order, hash recomputed.
    public func adding(_ extra: [Manifest]) -> RenderedPreview {
        RenderedPreview(
            key: key, sha: sha, names: names, objects: objects + extra, hooks: hooks, engineObjects: engineObjects, unpinnedImages: unpinnedImages)
    }
}
