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
    /// The repositories served, asked at each event (labels hold a lowercased or hashed form).
    let catalog: any RepositoryCatalog
    let logger: Logger
    /// How long the server keeps one watch open.
    let timeoutSeconds: Int

    /// The kinds this watcher watches: ``kinds``, and the route kinds Sandcastle renders.
    let watched: [(apiVersion: String, kind: String)]
    /// The GitOps engine's kinds, each watched in the engine's namespace.
    let engineWatches: [(apiVersion: String, kind: String, namespace: String)]

    /// The namespaces whose Secrets are copied into previews, watched from the start.
    let sourceNamespaces: [String]
    /// The previews of a repository (for a changed source Secret).
    let previews: @Sendable (RepositoryName) async throws -> [PreviewKey]
    /// How often the catalog is asked for route kinds and Secret sources first used after start
    /// (a repository added or changed while running); `nil`: only those given at start.
    let catalogRecheck: Duration?

    /// `routes`: the route kinds the configuration renders (their status gates readiness).
    /// `secretSources`: the copied Secrets by source, and `previews` the previews of a repository.
    public init(
        client: KubernetesClient, catalog: any RepositoryCatalog, logger: Logger, timeoutSeconds: Int = 300, routes: Set<RouteSettings.Kind> = [],
        engine: GitOpsEngine? = nil, sourceNamespaces: [String] = [], catalogRecheck: Duration? = nil,
        previews: @escaping @Sendable (RepositoryName) async throws -> [PreviewKey] = { _ in [] }
    ) {
        self.sourceNamespaces = sourceNamespaces
        self.catalogRecheck = catalogRecheck
        self.previews = previews
        var watched = Self.kinds
        for route in RouteSettings.Kind.allCases where routes.contains(route) { watched.append(Self.routeKind(route)) }
        self.engineWatches = engine.map { engine in engine.watchedKinds.map { ($0.apiVersion, $0.kind, engine.namespace) } } ?? []
        self.watched = watched
        self.client = client
        self.catalog = catalog
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
    }

    /// A watcher for what `config` renders: its repositories, their route kinds and the sources of
    /// their copied Secrets (a changed source reaches the repository's previews listed by `sink`).
    /// Which repository an event belongs to, and who copies a Secret, are asked of `catalog` per
    /// event; a route kind or source namespace first used by a repository added or changed while
    /// running gets its watch within `catalogRecheck`.
    public convenience init(
        client: KubernetesClient, config: SandcastleConfig, catalog: (any RepositoryCatalog)? = nil, store: any EnvironmentStore, logger: Logger,
        timeoutSeconds: Int = 300, catalogRecheck: Duration = .seconds(30)
    ) {
        let catalog = catalog ?? RepositoryList(config)
        self.init(
            client: client, catalog: catalog, logger: logger, timeoutSeconds: timeoutSeconds,
            routes: Self.routeKinds(of: catalog.all), engine: GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL),
            sourceNamespaces: Self.sourceNamespaces(of: catalog.all), catalogRecheck: catalogRecheck,
            previews: { repository in try await store.environments(in: repository).map(\.key) })
    }

    /// The namespaces `repositories` copy Secrets from.
    public static func sourceNamespaces(of repositories: [RepositoryConfig]) -> [String] {
        Set(secretSources(of: repositories).keys.compactMap { $0.split(separator: "/").first.map(String.init) }).sorted()
    }

    /// The route kind's watched kind.
    static func routeKind(_ route: RouteSettings.Kind) -> (apiVersion: String, kind: String) {
        switch route {
        case .ingress: ("networking.k8s.io/v1", "Ingress")
        case .httproute: ("gateway.networking.k8s.io/v1", "HTTPRoute")
        }
    }

    /// A watcher for `repositories` with their built-in settings (no routes, no copied Secrets).
    public convenience init(client: KubernetesClient, repositories: [RepositoryName], logger: Logger, timeoutSeconds: Int = 300) {
        self.init(
            client: client, catalog: RepositoryList(repositories.map { RepositoryConfig(name: $0, settings: .builtin) }), logger: logger,
            timeoutSeconds: timeoutSeconds)
    }

    /// The copied Secrets of `repositories`, by source.
    public static func secretSources(of repositories: [RepositoryConfig]) -> [String: [RepositoryName]] {
        var sources: [String: [RepositoryName]] = [:]
        for repository in repositories {
            for copy in repository.settings.secrets where !(sources[copy.source] ?? []).contains(repository.name) {
                sources[copy.source, default: []].append(repository.name)
            }
        }
        return sources
    }

    /// The route kinds `repositories` render.
    public static func routeKinds(of repositories: [RepositoryConfig]) -> Set<RouteSettings.Kind> {
        Set(repositories.map(\.settings).filter { !$0.expose.isEmpty }.map(\.route.kind))
    }

    public func changes() -> AsyncStream<PreviewKey> {
        AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for kind in self.watched {
                        group.addTask { await self.watch(apiVersion: kind.apiVersion, kind: kind.kind) { continuation.yield($0) } }
                    }
                    for kind in self.engineWatches {
                        group.addTask {
                            await self.watch(apiVersion: kind.apiVersion, kind: kind.kind, namespace: kind.namespace) { continuation.yield($0) }
                        }
                    }
                    for namespace in self.sourceNamespaces {
                        group.addTask { await self.watchSources(in: namespace) { continuation.yield($0) } }
                    }
                    guard let recheck = self.catalogRecheck else { return }
                    // What the catalog renders now may need a watch it did not at start.
                    var kinds = Set(self.watched.map(\.kind))
                    var namespaces = Set(self.sourceNamespaces)
                    while (try? await Task.sleep(for: recheck)) != nil {
                        for route in Self.routeKinds(of: self.catalog.all) {
                            let kind = Self.routeKind(route)
                            guard kinds.insert(kind.kind).inserted else { continue }
                            self.logger.info("watching \(kind.kind): a repository now renders it")
                            group.addTask { await self.watch(apiVersion: kind.apiVersion, kind: kind.kind) { continuation.yield($0) } }
                        }
                        for namespace in Self.sourceNamespaces(of: self.catalog.all) where namespaces.insert(namespace).inserted {
                            self.logger.info("watching Secrets in \(namespace): a repository now copies from it")
                            group.addTask { await self.watchSources(in: namespace) { continuation.yield($0) } }
                        }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Watches one kind until cancelled, resuming from the last resourceVersion.
    private func watch(apiVersion: String, kind: String, namespace: String? = nil, yield: @escaping @Sendable (PreviewKey) -> Void) async {
        // PreviewEnvironments: what was seen of each (generation, being deleted), so the
        // controller's own status writes do not enqueue its preview again.
        let seen = LockedValue([String: String]())
        await follow(
            apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)"
        ) { event in
            if kind == PreviewEnvironment.kind, let uid = event.object.value(at: "metadata.uid")?.string {
                let shape = Self.specShape(event.object)
                let unchanged = seen.withLock { seen in
                    if event.kind == .deleted {
                        seen[uid] = nil
                        return false
                    }
                    return seen.updateValue(shape, forKey: uid) == shape
                }
                if unchanged { return }  // a status write (the controller's own): nothing new to decide on
            }
            if let key = self.key(of: event.object) { yield(key) }
        }
    }

    /// Watches the source Secrets of copies in `namespace`: a change reaches every preview of the
    /// repositories that copy it, so the copies follow their source.
    private func watchSources(in namespace: String, yield: @escaping @Sendable (PreviewKey) -> Void) async {
        await follow(apiVersion: "v1", kind: "Secret", namespace: namespace, labelSelector: nil) { event in
            // Every event counts, the first listing's too: at start each copy is compared with its source once.
            guard let name = event.object.value(at: "metadata.name")?.string, let repositories = Self.secretSources(of: self.catalog.all)["\(namespace)/\(name)"]
            else { return }
            for repository in repositories {
                for key in (try? await self.previews(repository)) ?? [] { yield(key) }
            }
        }
    }

    /// Follows one watch until cancelled: lists first (each object as an `ADDED` event), watches
    /// from the list's resourceVersion, resumes from the last one after the server's timeout, and
    /// starts over from a fresh list after `410 Gone` or an `ERROR` event.
    private func follow(
        apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String?, onEvent: (WatchEvent) async -> Void
    ) async {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    // List, then watch from the list's resourceVersion (a watch without one needs a
                    // storage feature etcd before 3.4.31 and 3.5.13 lacks, and fails there).
                    let listed = try await client.listWithVersion(apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: labelSelector)
                    failures = 0
                    for object in listed.items { await onEvent(WatchEvent(kind: .added, object: object)) }
                    resourceVersion = listed.resourceVersion
                }
                let events = client.watch(
                    apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: labelSelector, resourceVersion: resourceVersion,
                    timeoutSeconds: timeoutSeconds)
                for try await event in events {
                    failures = 0
                    if let version = event.resourceVersion { resourceVersion = version }
                    if event.kind == .bookmark { continue }
                    await onEvent(event)
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
        guard let label = labels[Ownership.repositoryLabel], let repository = catalog.repository(labeled: label)?.name,
            let number = labels[Ownership.prLabel].flatMap(Int.init)
        else { return nil }
        return PreviewKey(repository: repository, number: number)
    }
}
