import Foundation
import Logging
import Prometheus
import SandcastleController
import SandcastleCore
import SandcastleTestSupport

/// A bundle source that serves one directory for every commit.
actor FakeBundles: BundleSource {
    let directory: String
    private(set) var checkouts: [PreviewKey: String] = [:]
    private(set) var released: [PreviewKey] = []

    init(directory: String) { self.directory = directory }

    func checkout(_ key: PreviewKey, sha: String) async throws -> String {
        checkouts[key] = sha
        return directory
    }

    func release(_ key: PreviewKey) async { released.append(key) }
}

/// The controller over in-memory fakes, with a manual clock.
struct UnitRig {
    let config: SandcastleConfig
    let source: FakePullRequestSource
    let reporter: FakeStatusReporter
    let sink: FakeSink
    let bundles: FakeBundles
    let clock: ManualClock
    let registry: PrometheusCollectorRegistry
    let dependencies: ControllerDependencies
    let bundle: TemporaryDirectory
    let woken = LockedValue([RepositoryName]())

    static func make(
        maxConcurrent: Int = 5, bundle text: String = UnitRig.goodBundle, databases: (any DatabaseProvisioning)? = nil
    ) throws -> UnitRig {
        let database =
            databases == nil
            ? ""
            : """

                database:
                  enabled: true
                  postgres: {admin: {env: UNIT_PG_ADMIN}}
                  seed: db/seed.sql
            """
        let config = try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            defaults:
              trigger: {labels: [preview]}
              domain: preview.test
              ttl: 72h
              expiryWarning: 12h
              preserve: {label: preserve, max: 14d}
              maxConcurrent: \(maxConcurrent)
            repositories:
              - name: acme/shop
                bundle: {path: deploy/preview, kind: manifests}\(database)
            """, file: "unit.yaml")
        let bundle = try TemporaryDirectory()
        try bundle.write(["deploy/preview/app.yaml": text])
        let clock = ManualClock(Make.epoch)
        let sink = FakeSink(now: { clock.now })
        let source = FakePullRequestSource()
        let reporter = FakeStatusReporter()
        let bundles = FakeBundles(directory: bundle.path)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "unit")
        logger.logLevel = .critical
        let dependencies = ControllerDependencies(
            config: config, source: source, reporter: reporter, sink: PreviewSink(store: sink, applier: sink, hooks: sink), bundles: bundles,
            databases: DatabaseProvisioners(databases.map { [Make.repository: $0] } ?? [:]), clock: clock, logger: logger,
            metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        return UnitRig(
            config: config, source: source, reporter: reporter, sink: sink, bundles: bundles, clock: clock, registry: registry,
            dependencies: dependencies, bundle: bundle)
    }

    func reconciler() -> Reconciler {
        let woken = self.woken
        return Reconciler(dependencies: dependencies) { repository in woken.withLock { $0.append(repository) } }
    }

    static let goodBundle = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app}
        data: {A: "1"}
        """
}

/// A database provisioner in memory: records what was ensured and dropped; can fail the seed.
actor FakeDatabases: DatabaseProvisioning {
    private(set) var ensured: [PreviewKey] = []
    private(set) var dropped: [String] = []
    var seedFailure: String?

    func failSeed(_ message: String?) { seedFailure = message }

    func ensureSecret(for key: PreviewKey, names: PreviewNames, settings: DatabaseSettings, checkout: String) async throws -> Manifest {
        if let seedFailure { throw InjectedFailureWithText(text: seedFailure) }
        ensured.append(key)
        let credentials = DatabaseCredentials(
            host: "pg.internal", port: 5432, database: names.databaseIdentifier, user: names.databaseIdentifier, password: "fixed-for-tests")
        return credentials.secret(for: key, namespace: names.namespace)
    }

    func drop(identifier: String) async throws -> Bool {
        dropped.append(identifier)
        return true
    }

    func reapOrphans(live: Set<PreviewKey>, confirm: @Sendable (PreviewKey) async -> Bool) async throws -> [String] { [] }
}

/// A seed that fails, classified as the provisioner's seed errors are: a human must fix it, and
/// it is reported under `sandcastle/seed`.
struct InjectedFailureWithText: ClassifiedError, CustomStringConvertible {
    var text: String
    var description: String { text }
    var disposition: ErrorDisposition { .stalled }
    var statusContext: CommitStatus.Context { .seed }
}

/// A test sink that hands everything to a ``FakeSink``; a conforming type replaces only what it
/// changes (a failing claim, a namespace that is not ours, a half-applied environment).
protocol ForwardingSink: EnvironmentStore, PreviewApplier, HookRunner {
    var base: FakeSink { get }
}

extension ForwardingSink {
    func environments() async throws -> [ObservedEnvironment] { try await base.environments() }
    func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] { try await base.environments(in: repository) }
    func observe(_ key: PreviewKey) async throws -> EnvironmentFact? { try await base.observe(key) }
    func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact? { try await base.observeAfterApply(key) }
    func claim(_ preview: RenderedPreview) async throws { try await base.claim(preview) }
    func apply(_ preview: RenderedPreview) async throws -> ApplyReport { try await base.apply(preview) }
    func startHook(_ key: PreviewKey, job: HookJob) async throws { try await base.startHook(key, job: job) }
    func record(_ key: PreviewKey, status: PreviewStatus) async throws { try await base.record(key, status: status) }
    func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws { try await base.recordReported(key, record) }
    func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws { try await base.recordReportingProblem(key, problem: problem) }
    func recordWaiting(_ record: WaitingRecord, names: PreviewNames, status: PreviewStatus) async throws {
        try await base.recordWaiting(record, names: names, status: status)
    }
    func forgetWaiting(_ key: PreviewKey, names: PreviewNames) async throws { try await base.forgetWaiting(key, names: names) }
    func waiting(in repository: RepositoryName) async throws -> [WaitingRecord] { try await base.waiting(in: repository) }
    func deleteNamespace(_ key: PreviewKey, reason: String) async throws { try await base.deleteNamespace(key, reason: reason) }
    func forget(_ key: PreviewKey) async throws { try await base.forget(key) }
}

extension PreviewSink {
    /// Every role a forwarding test sink fills.
    init(_ sink: some ForwardingSink) { self.init(store: sink, applier: sink, hooks: sink) }
}
