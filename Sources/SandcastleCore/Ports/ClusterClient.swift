/// Where an object lives in a cluster: its type and its name.
public struct ResourceRef: Sendable, Hashable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    /// `nil` for cluster-scoped objects.
    public var namespace: String?
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String? = nil, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// The reference of `object` (its `apiVersion`, `kind`, `metadata.namespace` and `metadata.name`).
    public init(_ object: ManifestObject) {
        let metadata = object["metadata"]?.object
        self.init(
            apiVersion: object["apiVersion"]?.string ?? "", kind: object["kind"]?.string ?? "",
            namespace: metadata?["namespace"]?.string, name: metadata?["name"]?.string ?? "")
    }

    /// The API group (`""` for the core group).
    public var group: String { apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : "" }

    public var description: String { "\(kind)/\(namespace.map { "\($0)/" } ?? "")\(name)" }
}

/// What happens to an object's dependents when it is deleted.
public enum PropagationPolicy: String, Sendable {
    case foreground = "Foreground"
    case background = "Background"
    case orphan = "Orphan"
}

/// A Kubernetes API server, as Sandcastle uses it. Objects are JSON-like values.
public protocol ClusterClient: Sendable {
    /// Server-side apply of `object` as field manager `sandcastle`; `force` takes over fields other
    /// managers own. Returns the object as stored.
    func apply(_ object: ManifestObject, force: Bool) async throws -> ManifestObject
    /// Server-side apply of the object's `status` subresource.
    func applyStatus(_ object: ManifestObject) async throws -> ManifestObject
    /// Server-side apply of the `status` fields in `object` as another field manager, so they are
    /// kept when `sandcastle` applies the rest of the status.
    func applyStatus(_ object: ManifestObject, asManager manager: String) async throws -> ManifestObject
    /// Creates `object` (`POST`); throws when it exists.
    func create(_ object: ManifestObject) async throws -> ManifestObject
    /// The object, or `nil` when it does not exist.
    func get(_ ref: ResourceRef) async throws -> ManifestObject?
    /// Whether the server serves `kind` of `apiVersion` namespaced (discovery); throws when it does
    /// not serve it at all.
    func isNamespaced(apiVersion: String, kind: String) async throws -> Bool
    /// Every object of a type, all pages; throws rather than return a partial list.
    func list(apiVersion: String, kind: String, namespace: String?, labelSelector: String?) async throws -> [ManifestObject]
    /// Deletes the object if its UID is still `uid` (when given); `false` when it was already gone.
    func delete(_ ref: ResourceRef, propagation: PropagationPolicy, uid: String?) async throws -> Bool
}
