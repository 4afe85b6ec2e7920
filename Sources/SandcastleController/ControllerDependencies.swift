import Foundation
import Logging
import SandcastleCore

/// Everything the controller talks to, as ports: the composition root (`sandcastle run`, the
/// demo, tests) chooses the adapters.
public struct ControllerDependencies: Sendable {
    /// The process's settings (forge, sink, controller, registries). Repositories come from
    /// ``catalog``, asked at each use.
    public var config: SandcastleConfig
    /// The repositories served now and their settings.
    public var catalog: any RepositoryCatalog
    public var source: any PullRequestSource
    public var reporter: any StatusReporter
    /// The sink's roles: the environment store, the applier, and what else it can do.
    public var sink: PreviewSink
    public var bundles: any BundleSource
    /// The database provisioner of each repository with `database.enabled`.
    public var databases: DatabaseProvisioners
    public var renderer: Renderer
    public var clock: any WallClock
    public var logger: Logger
    public var metrics: ControllerMetrics
    public var book: PreviewBook
    /// What decisions need to remember between reconciles (never the dashboard's book).
    public var memory: ControllerMemory
    /// Changes in the sink (a cluster watch), each enqueuing its preview; `nil` relies on requeues.
    public var changes: (any ChangeFeed)?
    /// Checks preview URLs for `readiness.http`.
    public var probe: (any ReadinessProbe)?
    /// Resolves `images` tag templates to digests; `nil` refuses configurations that use them.
    public var images: (any ImageResolving)?
    /// Called with each step the reconciler takes (tests compare it with `sandcastle plan`).
    public var onStep: (@Sendable (PreviewKey, PreviewStep) -> Void)?

    public init(
        config: SandcastleConfig, source: any PullRequestSource, reporter: any StatusReporter, sink: PreviewSink, bundles: any BundleSource,
        databases: DatabaseProvisioners = DatabaseProvisioners([:]), renderer: Renderer = Renderer(), clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "sandcastle"), metrics: ControllerMetrics, book: PreviewBook = PreviewBook(),
        changes: (any ChangeFeed)? = nil, probe: (any ReadinessProbe)? = nil, images: (any ImageResolving)? = nil,
        memory: ControllerMemory = ControllerMemory(), catalog: (any RepositoryCatalog)? = nil
    ) {
        self.memory = memory
        self.catalog = catalog ?? RepositoryList(config)
        self.images = images
        self.changes = changes
        self.probe = probe
        self.config = config
        self.source = source
        self.reporter = reporter
        self.sink = sink
        self.bundles = bundles
        self.databases = databases
        var renderer = renderer
        // The configured GitOps engine syncs the bundle (unless the caller chose one).
        if renderer.engine == nil { renderer.engine = GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL) }
        self.renderer = renderer
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.book = book
    }
}
