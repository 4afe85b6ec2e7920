import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import SandcastleController
import SandcastleCore
import SandcastleRegistry
import SandcastleServer
import ServiceLifecycle
import UnixSignals

/// The composition root of the controller: the HTTP server (webhook, probes, metrics, dashboard,
/// JSON API) and the controller loop in one `ServiceGroup` that shuts down gracefully on SIGTERM
/// and SIGINT. `sandcastle run` and `sandcastle demo` both build it; only the adapters differ.
struct ControllerHost {
    let controller: Controller
    let book: PreviewBook
    /// The webhook listener (faces GitHub) and the admin listener (dashboard, API, metrics).
    let application: any ApplicationProtocol
    let admin: any ApplicationProtocol
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let leadership: LeadershipMonitor

    /// The adapters and settings the host is built from.
    struct Parts {
        var config: SandcastleConfig
        var source: any PullRequestSource
        var reporter: any StatusReporter
        var sink: PreviewSink
        var bundles: any BundleSource
        var databases = DatabaseProvisioners([:])
        /// The repositories served (by default those of `config`), asked at each use.
        var catalog: (any RepositoryCatalog)?
        var webhookSecret: String
        /// Builds the leadership campaign, given where to report each attempt. Without a cluster
        /// this replica always leads.
        var leadership: @Sendable (_ observe: @escaping @Sendable (LeaderElectionEvent) -> Void) -> Controller.Leadership = { observe in
            { body in
                observe(.leading)
                await body()
            }
        }
        var logger: Logger
        var webURL = "https://github.com"
        /// Called with the bound port once the webhook listener listens.
        var onListening: @Sendable (Int) async -> Void = { _ in }
        /// Called with the bound port once the admin listener listens.
        var onAdminListening: @Sendable (Int) async -> Void = { _ in }
        /// Changes in the sink (the cluster watch).
        var changes: (any ChangeFeed)?
        /// Checks preview URLs for `readiness.http` (the caller shuts it down).
        var probe: (any ReadinessProbe)?
        /// Polled for GitHub request totals and the remaining rate limit (for metrics).
        var forgeStats: (@Sendable () async -> (requests: Int, remaining: Int?))?
    }

    init(_ parts: Parts) {
        let registry = PrometheusCollectorRegistry()
        let metrics = ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let book = PreviewBook(webURL: parts.webURL)
        let dependencies = ControllerDependencies(
            config: parts.config, source: parts.source, reporter: parts.reporter, sink: parts.sink, bundles: parts.bundles,
            databases: parts.databases, logger: parts.logger, metrics: metrics, book: book, changes: parts.changes, probe: parts.probe,
            images: RegistryClient(registries: parts.config.registries), catalog: parts.catalog)
        let leadership = LeadershipMonitor(logger: parts.logger, metrics: metrics)
        let controller = Controller(dependencies: dependencies, leadership: parts.leadership { leadership.observe($0) })
        let logger = parts.logger
        let accepts: @Sendable (RepositoryName) -> Bool = { [catalog = dependencies.catalog] in catalog.repository($0) != nil }
        let receiver = WebhookReceiver(
            secret: parts.webhookSecret, enqueue: { controller.enqueue($0) }, accepts: accepts,
            observe: { reply, delivery in
                metrics.recordWebhook(outcome: reply.outcome.rawValue)
                var fields: Logger.Metadata = ["outcome": "\(reply.outcome.rawValue)", "status": "\(reply.status)"]
                if let delivery { fields["delivery"] = "\(delivery)" }
                if let key = reply.key {
                    fields["repository"] = "\(key.repository)"
                    fields["pr"] = "\(key.number)"
                }
                logger.info("webhook", metadata: fields)
            },
            previewsAt: { [memory = dependencies.memory] repository, sha in memory.previews(in: repository, at: sha) })
        let forgeStats = parts.forgeStats
        let githubRemaining = LockedValue<Int?>(nil)
        var views = SandcastleRoutes.Views(
            book: book, leadership: leadership,
            metrics: {
                metrics.recordQueueDepth(controller.queue.depth)
                metrics.recordPhases(book.countsByPhase)
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return String(decoding: buffer, as: UTF8.self)
            })
        views.githubRemaining = { githubRemaining.withLock { $0 } }
        let settings = parts.config.controller
        let (host, port) = settings.listenAddress
        let onListening = parts.onListening
        // What faces the internet: the webhook and the probes, with idle connections dropped after
        // 30 s and at most `maxConnections` open at once.
        self.application = Application(
            router: SandcastleRoutes.webhookRouter(receiver: receiver, views: views), server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "sandcastle",
                availableConnectionsDelegate: .maximum(settings.maxConnections, logger: logger)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
        let (adminHost, adminPort) = settings.adminAddress
        let onAdminListening = parts.onAdminListening
        self.admin = Application(
            router: SandcastleRoutes.adminRouter(views: views),
            configuration: .init(address: .hostname(adminHost, port: adminPort), serverName: "sandcastle-admin"),
            onServerRunning: { channel in await onAdminListening(channel.localAddress?.port ?? adminPort) }, logger: logger)
        self.controller = controller
        self.book = book
        self.registry = registry
        self.logger = logger
        self.leadership = leadership
        if let forgeStats {
            Task { [weak controller] in
                while controller != nil {
                    let stats = await forgeStats()
                    metrics.recordGitHub(requestsSent: stats.requests, remaining: stats.remaining)
                    if let remaining = stats.remaining { githubRemaining.withLock { $0 = remaining } }
                    try? await Task.sleep(for: .seconds(15))
                }
            }
        }
    }

    /// The service group; `run()` it until SIGTERM or SIGINT (or `triggerGracefulShutdown()`).
    func serviceGroup(signals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: admin), .init(service: controller)], gracefulShutdownSignals: signals,
                logger: logger))
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    func run() async throws { try await serviceGroup().run() }
}
