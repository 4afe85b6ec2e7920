import Foundation
import SandcastleCore

/// The `PreviewEnvironment` custom resource (`sandcastle.dev/v1alpha1`, cluster-scoped): one per
/// pull request, owner of the preview's namespace, with the inventory of what Sandcastle applied.
public enum PreviewEnvironment {
    public static let apiVersion = "sandcastle.dev/v1alpha1"
    public static let kind = "PreviewEnvironment"
    /// Written last after a successful apply; equal to the rendered set's hash when nothing changed.
    public static let contentHashAnnotation = "sandcastle.dev/content-hash"
    /// On every object Sandcastle applies: the UID of the PreviewEnvironment it belongs to.
    public static let uidAnnotation = "sandcastle.dev/preview-uid"

    /// The reference of the PreviewEnvironment named `name`.
    public static func ref(_ name: String) -> ResourceRef { ResourceRef(apiVersion: apiVersion, kind: kind, name: name) }

    /// The object Sandcastle applies for `preview` (metadata and spec; status is separate).
    public static func object(for preview: RenderedPreview, contentHash: String? = nil) -> ManifestObject {
        var annotations = [Ownership.repositoryAnnotation: preview.key.repository.description]
        if let contentHash { annotations[contentHashAnnotation] = contentHash }
        return [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "metadata": [
                "name": .string(preview.names.namespace), "labels": .strings(Ownership.labels(for: preview.key)),
                "annotations": .strings(annotations),
            ],
            "spec": [
                "repository": .string(preview.key.repository.description), "pullRequest": .int(preview.key.number),
                "headSHA": .string(preview.sha), "namespace": .string(preview.names.namespace), "url": .string("https://\(preview.names.host)"),
            ],
        ]
    }

    /// One object Sandcastle applied, as recorded in `status.inventory`. Identity (equality,
    /// hashing, order) is the type and name; `hash` records the content as applied.
    public struct InventoryItem: Sendable, Hashable, Comparable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        /// SHA-256 prefix of the object's canonical JSON as applied; `nil` in older records.
        public var hash: String?

        public init(apiVersion: String, kind: String, name: String, hash: String? = nil) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.hash = hash
        }

        public static func == (a: Self, b: Self) -> Bool { (a.apiVersion, a.kind, a.name) == (b.apiVersion, b.kind, b.name) }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(apiVersion)
            hasher.combine(kind)
            hasher.combine(name)
        }

        public var group: String { apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : "" }

        var value: ManifestValue {
            var item: ManifestObject = ["group": .string(group), "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name)]
            if let hash { item["hash"] = .string(hash) }
            return .object(item)
        }

        public static func < (a: Self, b: Self) -> Bool { (a.apiVersion, a.kind, a.name) < (b.apiVersion, b.kind, b.name) }
    }

    /// A status condition.
    public struct Condition: Sendable, Hashable {
        public var type: String
        public var status: Bool
        public var reason: String
        public var message: String

        public init(type: String, status: Bool, reason: String, message: String) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
        }
    }

    /// The status object Sandcastle applies.
    public static func status(
        name: String, phase: String, preview: RenderedPreview?, url: String?, sha: String?, conditions: [Condition],
        inventory: [InventoryItem]?, namespaceConditions: [ManifestValue] = [], now: Date = Date()
    ) -> ManifestObject {
        let time = RFC3339.string(now)
        var status: ManifestObject = [
            "phase": .string(phase),
            "conditions": .array(
                conditions.map {
                    [
                        "type": .string($0.type), "status": .string($0.status ? "True" : "False"), "reason": .string($0.reason),
                        "message": .string(String($0.message.prefix(1024))), "lastTransitionTime": .string(time),
                    ]
                }),
            "lastUpdateTime": .string(time),
        ]
        if let url { status["url"] = .string(url) }
        if let sha { status["headSHA"] = .string(sha) }
        if let inventory { status["inventory"] = .array(inventory.sorted().map(\.value)) }
        if !namespaceConditions.isEmpty { status["namespaceConditions"] = .array(namespaceConditions) }
        if let preview { status["observedContentHash"] = .string(preview.contentHash) }
        return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": ["name": .string(name)], "status": .object(status)]
    }

    /// The inventory recorded in a stored PreviewEnvironment.
    public static func inventory(of object: ManifestObject) -> [InventoryItem] {
        (object.value(at: "status.inventory")?.array ?? []).compactMap { value in
            guard let item = value.object, let apiVersion = item["apiVersion"]?.string, let kind = item["kind"]?.string,
                let name = item["name"]?.string
            else { return nil }
            return InventoryItem(apiVersion: apiVersion, kind: kind, name: name, hash: item["hash"]?.string)
        }
    }

    /// The preview key a stored PreviewEnvironment belongs to, from its spec.
    public static func key(of object: ManifestObject) -> PreviewKey? {
        guard let repository = object.value(at: "spec.repository")?.string.flatMap(RepositoryName.init(parsing:)),
            case .int(let number) = object.value(at: "spec.pullRequest")
        else { return nil }
        return PreviewKey(repository: repository, number: number)
    }

}
