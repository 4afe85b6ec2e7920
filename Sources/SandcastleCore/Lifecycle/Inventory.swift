import Foundation

/// One object Sandcastle applied to a preview, as recorded on its environment. Identity
/// (equality, hashing, order) is the type and name; `hash` records the content as applied and
/// `generation` the object's `metadata.generation` right after the apply.
public struct InventoryItem: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// SHA-256 prefix of the object's canonical JSON as applied; `nil` in older records.
    public var hash: String?
    /// `metadata.generation` after the apply, for kinds that keep one; a later, higher generation
    /// means someone changed the spec by hand.
    public var generation: Int?

    public init(apiVersion: String, kind: String, name: String, hash: String? = nil, generation: Int? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.hash = hash
        self.generation = generation
    }

    public static func == (a: Self, b: Self) -> Bool { (a.apiVersion, a.kind, a.name) == (b.apiVersion, b.kind, b.name) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(apiVersion)
        hasher.combine(kind)
        hasher.combine(name)
    }

    public static func < (a: Self, b: Self) -> Bool { (a.apiVersion, a.kind, a.name) < (b.apiVersion, b.kind, b.name) }

    /// The API group (`""` for the core group).
    public var group: String { apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : "" }

    /// `Deployment/web`.
    public var description: String { "\(kind)/\(name)" }
}

/// Pure decisions over a preview's inventory, shared by every sink.
public enum Inventory {
    /// What an apply writes and what it prunes.
    public struct Diff: Sendable, Hashable {
        /// Items whose content differs from the recorded one (or that are new), in the given order.
        public var write: [InventoryItem]
        /// Items recorded before and not in the new set.
        public var prune: [InventoryItem]
    }

    /// Compares the new set (`current`, with content hashes) with what was recorded. An item whose
    /// recorded hash equals its new hash is not written again, unless `force` lists it (repair).
    public static func diff(previous: [InventoryItem], current: [InventoryItem], force: Set<InventoryItem> = []) -> Diff {
        let recorded = Dictionary(previous.map { ($0, $0.hash) }, uniquingKeysWith: { first, _ in first })
        let write = current.filter { item in force.contains(item) || recorded[item] == nil || recorded[item]! == nil || recorded[item]! != item.hash }
        let keep = Set(current)
        return Diff(write: write, prune: previous.filter { !keep.contains($0) }.sorted())
    }

    /// Drift of a preview: recorded objects that are missing (`live` has no entry) or whose spec
    /// was changed since the apply (a higher `metadata.generation` than recorded).
    ///
    /// - Parameter live: the generation of each recorded object found in the cluster (`nil` for
    ///   a kind without one).
    public static func drift(recorded: [InventoryItem], live: [InventoryItem: Int?]) -> [String] {
        recorded.sorted().compactMap { item in
            guard let found = live[item] else { return "\(item) is missing" }
            if let before = item.generation, let now = found, now > before { return "\(item) was changed by hand" }
            return nil
        }
    }
}

/// The ownership check every sink applies before it modifies or deletes anything (safety rule 4).
public enum OwnershipCheck {
    /// The annotation carrying the UID of the PreviewEnvironment an object belongs to.
    public static let uidAnnotation = "sandcastle.dev/preview-uid"

    /// Whether `object` carries Sandcastle's label and the UID of the environment `uid`.
    public static func isOwned(_ object: ManifestObject, uid: String) -> Bool {
        object.stringMap(at: "metadata.labels")[Ownership.managedByLabel] == Ownership.managedByValue
            && object.stringMap(at: "metadata.annotations")[uidAnnotation] == uid
    }

    /// Whether an existing namespace may be used by the environment `uid` (`nil`: none exists yet,
    /// so no existing namespace is Sandcastle's to adopt).
    public static func mayUse(namespace: ManifestObject, environmentUID uid: String?) -> Bool {
        guard let uid else { return false }
        return isOwned(namespace, uid: uid)
    }
}
