import Foundation
import SandcastleCore

/// The state of a fake Kubernetes API server: typed objects with `resourceVersion`, `uid` and
/// `creationTimestamp`, discovery for the types it knows, server-side apply with per-field
/// conflicts, JSON merge patch, label selectors, `limit`/`continue`, `Status` error bodies,
/// owner-reference garbage collection (foreground too), a namespace controller that empties a
/// `Terminating` namespace and waits for finalizers, PVC protection, ResourceQuota admission and
/// status, and Leases; with faults injected per request (error statuses with `Retry-After`,
/// delays, dropped connections).
///
/// It is held to a real kube-apiserver 1.32 by `ExchangeReplayTests`, which replays the recorded
/// corpus in `Fixtures/kubernetes/exchanges` and lists where it still differs and why. Like the
/// real server, it refuses a `Time` or `MicroTime` field that Go would not parse (`400`, the same
/// message), an invalid name, a field the schema does not declare in an apply patch (`500`), a
/// Deployment whose selector misses its template, an Event without its required fields, and a
/// custom resource that does not match its CRD's structural schema (`422 Invalid` with causes,
/// unknown fields pruned); `dryRun=All` validates and stores nothing; a group-version it does not
/// serve answers `404` in plain text; with ``restrictAccess(user:rules:)`` (or per bearer token)
/// requests are authorized like RBAC and access and rules reviews answered from the same rules.
///
/// Known differences from a real API server:
/// - RBAC has no escalation check on RoleBindings (a real server refuses to bind a role the
///   requester neither holds nor may `bind`);
/// - built-in kinds are validated only as said above (a real server checks every field's value);
/// - server-side apply tracks the whole applied configuration per field manager instead of
///   `managedFields`; lists are replaced atomically (a real server merges lists by key) and
///   `managedFields` are not returned;
/// - no admission besides quota (pod security, webhooks); the workload controllers are optional
///   stand-ins (``simulateWorkloads(_:)``) that write recorded shapes, without ReplicaSets, Pods
///   only for failures and finished Jobs, and no Events of routine work; no `generateName`, no
///   strategic-merge or JSON patches; watches poll the change log every 20 ms;
/// - the controllers (namespace, garbage collector, quota, PVC protection) run when a request
///   arrives, at most every 5 ms, not in the background.
public actor FakeKubernetes {
    /// A resource type the fake serves.
    public struct ResourceType: Sendable, Hashable {
        public var group: String
        public var version: String
        public var kind: String
        public var plural: String
        public var namespaced: Bool
        public var shortNames: [String] = []
        public var hasStatus = false
        /// The structural `openAPIV3Schema` of a custom resource, enforced like a real server does.
        public var schema: ManifestObject?

        public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

        public init(
            group: String, version: String, kind: String, plural: String, namespaced: Bool, shortNames: [String] = [], hasStatus: Bool = false,
            schema: ManifestObject? = nil
        ) {
            self.schema = schema
            self.group = group
            self.version = version
            self.kind = kind
            self.plural = plural
            self.namespaced = namespaced
            self.shortNames = shortNames
            self.hasStatus = hasStatus
        }
    }

    /// The types a fresh fake serves: what previews use, Leases and the PreviewEnvironment CRD.
    public static let builtinTypes: [ResourceType] =
        [
            .init(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, shortNames: ["ns"], hasStatus: true),
            .init(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"]),
            .init(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
            .init(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"], hasStatus: true),
            .init(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"]),
            .init(
                group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", namespaced: true, shortNames: ["quota"], hasStatus: true),
            .init(group: "", version: "v1", kind: "LimitRange", plural: "limitranges", namespaced: true, shortNames: ["limits"]),
            .init(
                group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", namespaced: true, shortNames: ["pvc"],
                hasStatus: true),
            .init(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"], hasStatus: true),
            .init(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"]),
            .init(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, shortNames: ["deploy"], hasStatus: true),
            .init(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true, shortNames: ["rs"], hasStatus: true),
            .init(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true, shortNames: ["sts"], hasStatus: true),
            .init(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true, shortNames: ["ds"], hasStatus: true),
            .init(group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, hasStatus: true),
            .init(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true, shortNames: ["cj"], hasStatus: true),
            .init(
                group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true, shortNames: ["netpol"]),
            .init(
                group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", namespaced: true, shortNames: ["ing"],
                hasStatus: true),
            .init(
                group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true, shortNames: ["pdb"],
                hasStatus: true),
            .init(
                group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", namespaced: true,
                shortNames: ["hpa"], hasStatus: true),
            .init(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true),
            .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true),
            .init(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true),
            .init(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"]),
        ] + [customType(PreviewEnvironmentDefinition.object)].compactMap { $0 }

    /// The type a CustomResourceDefinition serves (its storage version, with its schema).
    public static func customType(_ crd: ManifestObject) -> ResourceType? {
        guard let group = crd.value(at: "spec.group")?.string, let kind = crd.value(at: "spec.names.kind")?.string,
            let plural = crd.value(at: "spec.names.plural")?.string,
            let version = (crd.value(at: "spec.versions")?.array ?? []).compactMap(\.object).first(where: { $0["storage"] == .bool(true) })
        else { return nil }
        return ResourceType(
            group: group, version: version["name"]?.string ?? "v1", kind: kind, plural: plural,
            namespaced: crd.value(at: "spec.scope")?.string != "Cluster",
            shortNames: crd.value(at: "spec.names.shortNames")?.array?.compactMap(\.string) ?? [],
            hasStatus: version["subresources"]?.object?["status"] != nil,
            schema: version["schema"]?.object?["openAPIV3Schema"]?.object)
    }

    /// The built-in types only: a cluster where the PreviewEnvironment CRD is not installed.
    public static var typesWithoutCRD: [ResourceType] { builtinTypes.filter { $0.group != "sandcastle.dev" } }

    struct Key: Hashable, Comparable {
        var group: String
        var plural: String
        var namespace: String
        var name: String

        static func < (a: Key, b: Key) -> Bool { (a.group, a.plural, a.namespace, a.name) < (b.group, b.plural, b.namespace, b.name) }
    }

    /// One request as the fake received it.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var contentType: String?
        public var status: Int
        /// The body sent (empty for reads).
        public var body: Data = Data()
    }

    var types: [ResourceType]
    var objects: [Key: ManifestObject] = [:]
    /// Every change, for watches: the last 10,000.
    var events: [WatchRecord] = []
    /// Per object and field manager, the configuration it last applied.
    var applied: [Key: [String: ManifestObject]] = [:]
    var revision = 1000
    /// Objects marked deleted that still have finalizers (what ``runFinalizers()`` visits).
    var finalizing: Set<Key> = []
    /// The ResourceQuotas, and the namespaces changed since their status was last written.
    var quotaKeys: Set<Key> = []
    var quotaDirty: Set<String> = []
    /// With ``compact()``: the revision before which continue tokens and exact lists are gone.
    var compactedRevision = 0
    var faults: [FakeKubernetesFault] = []
    var bearerTokens: Set<String>?
    /// With ``restrictAccess(user:rules:)``: the user requests come from and what it may do.
    var access: (user: String, rules: [FakeRBACRule])?
    /// With ``restrictAccess(user:rules:token:)``: the user and rules of requests with that bearer token.
    var tokenAccess: [String: (user: String, rules: [FakeRBACRule])] = [:]
    /// With ``simulateWorkloads(_:)``: what the workload controller stand-ins do.
    var simulation: WorkloadSimulation?
    /// Runs the controllers in the background while a simulation is on.
    var ticker: Task<Void, Never>?
    /// When each workload's spec last changed (for the rollout stand-in).
    var specChangedAt: [Key: Date] = [:]
    /// Time spent serving requests (the actor serves one at a time), for benchmarks.
    public internal(set) var busy: Duration = .zero
    /// When the stand-ins last ran before a request.
    var lastControllersRun: Date?
    /// Deployments and Jobs whose rollout the stand-ins have not finished (the only ones they visit).
    var rolloutPending: Set<Key> = []
    /// Ingresses and HTTPRoutes whose controller has not written their status yet, with when their spec changed.
    var routesPending: [Key: Date] = [:]
    /// When the stand-ins made each workload available.
    var availableAt: [Key: Date] = [:]
    /// What the GitOps engine stand-ins do (``simulateGitOps(_:)``); `nil`: nothing.
    var gitOps: GitOpsSimulation?
    /// GitOps objects whose spec changed, since when (the engine reconciles them after a delay).
    var gitOpsPending: [Key: Date] = [:]
    /// When the engine stand-in last reported each GitOps object synced (or failed).
    var gitOpsSyncedAt: [Key: Date] = [:]
    /// How long a deleted namespace stays `Terminating` before its content is removed (real time).
    public var namespaceDeletionDelay: TimeInterval = 0
    public internal(set) var requests: [RecordedRequest] = []

    /// What a fresh cluster starts with (the `default` namespace), left out of ``allObjects(namespace:)``.
    var builtinKeys: Set<Key> = []

    public init(types: [ResourceType] = FakeKubernetes.builtinTypes) {
        self.types = types
        // Every real cluster has the `default` namespace (Events about cluster-scoped objects live there).
        if types.contains(where: { $0.kind == "Namespace" }) {
            let key = Key(group: "", plural: "namespaces", namespace: "", name: "default")
            objects[key] = [
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": [
                    "name": "default", "labels": ["kubernetes.io/metadata.name": "default"], "uid": .string(UUID().uuidString.lowercased()),
                    "creationTimestamp": .string(RFC3339.string(Date())), "resourceVersion": "1",
                ],
                "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"],
            ]
            builtinKeys.insert(key)
        }
    }

    // MARK: setup

    /// Requires `Authorization: Bearer <one of tokens>` (401 otherwise).
    public func requireBearerToken(_ tokens: Set<String>) { bearerTokens = tokens }

    /// Serves another type, as installing a CRD would.
    public func addType(_ type: ResourceType) { types.append(type) }

    public func inject(_ fault: FakeKubernetesFault) { faults.append(fault) }

    public func setNamespaceDeletionDelay(_ seconds: TimeInterval) { namespaceDeletionDelay = seconds }

    /// Stores `object` as if someone else had created it (no field manager of Sandcastle's).
    @discardableResult
    public func seed(_ object: ManifestObject) throws -> ManifestObject {
        guard let type = type(apiVersion: ResourceRef(object).apiVersion, kind: ResourceRef(object).kind) else {
            throw FakeKubernetesError("unknown type \(ResourceRef(object))")
        }
        let ref = ResourceRef(object)
        let key = Key(group: type.group, plural: type.plural, namespace: ref.namespace ?? "", name: ref.name)
        let stored = stamp(object, type: type, previous: objects[key])
        store(key, stored)
        return stored
    }

    /// Runs the controllers now, as time passing between requests lets them.
    public func settle() {
        runControllers()
        lastControllersRun = Date()
    }

    /// Finishes every rollout, Job and route the stand-ins are waiting on, as if their time had come.
    public func finishPendingWork() {
        let past = Date(timeIntervalSince1970: 0)
        for key in rolloutPending { specChangedAt[key] = past }
        for key in routesPending.keys { routesPending[key] = past }
        settle()
    }

    /// Deletes an object as someone else would (its finalizers, if any, hold it).
    public func deleteObject(_ ref: ResourceRef) {
        guard let key = key(for: ref), let type = type(apiVersion: ref.apiVersion, kind: ref.kind) else { return }
        _ = try? delete(type, namespace: key.namespace, name: key.name, preconditionUID: nil)
    }

    /// Compacts the store as etcd does: continue tokens and exact-resourceVersion lists from before
    /// now answer `410 Expired`. Watches are served from the change log, as a real server's watch
    /// cache serves them after a compaction.
    public func compact() { compactedRevision = revision }

    /// Removes every finalizer of an object, as its controller would once done.
    public func removeFinalizers(_ ref: ResourceRef) {
        guard let key = key(for: ref), var object = objects[key] else { return }
        var metadata = object["metadata"]?.object ?? ManifestObject()
        metadata["finalizers"] = nil
        metadata["resourceVersion"] = .string(nextRevision())
        object["metadata"] = .object(metadata)
        store(key, object)
        if metadata["deletionTimestamp"] != nil { remove(key) }
    }

    // MARK: inspection

    /// The stored object, or `nil`.
    public func object(_ ref: ResourceRef) -> ManifestObject? {
        runControllers()
        return key(for: ref).flatMap { objects[$0] }
    }

    /// Every stored object, optionally only those in `namespace`.
    public func allObjects(namespace: String? = nil) -> [ManifestObject] {
        runControllers()
        return objects.filter { !builtinKeys.contains($0.key) && (namespace == nil || $0.key.namespace == namespace) }.sorted { $0.key < $1.key }.map(
            \.value)
    }

    /// What is left besides a fresh cluster's objects and Events (which expire on their own).
    public func leftovers() -> [ManifestObject] { allObjects().filter { $0["kind"]?.string != "Event" } }

    /// Requests that wrote (POST, PUT, PATCH, DELETE).
    public var writeRequests: [RecordedRequest] { requests.filter { $0.method != "GET" } }

    public func resetRequests() { requests = [] }

    // MARK: types

    func type(apiVersion: String, kind: String) -> ResourceType? { types.first { $0.apiVersion == apiVersion && $0.kind == kind } }

    func key(for ref: ResourceRef) -> Key? {
        guard let type = type(apiVersion: ref.apiVersion, kind: ref.kind) else { return nil }
        return Key(group: type.group, plural: type.plural, namespace: type.namespaced ? ref.namespace ?? "" : "", name: ref.name)
    }
}

/// One change, as a watch sends it.
struct WatchRecord: Sendable {
    var revision: Int
    var type: String
    var key: FakeKubernetes.Key
    var object: ManifestObject
}

struct FakeKubernetesError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fault the fake API server injects into matching requests.
public struct FakeKubernetesFault: Sendable {
    public enum Kind: Sendable {
        /// A `Status` error with this code and reason, and `Retry-After` when given.
        case status(Int, reason: String, retryAfter: Int? = nil)
        /// The real answer after this long (real time).
        case delay(seconds: Double)
        /// Half of the body, then the connection is closed.
        case dropConnection
    }

    public var kind: Kind
    public var method: String?
    public var pathContains: String
    public var times: Int

    public init(_ kind: Kind, method: String? = nil, pathContains: String = "/", times: Int = 1) {
        self.kind = kind
        self.method = method
        self.pathContains = pathContains
        self.times = times
    }
}
