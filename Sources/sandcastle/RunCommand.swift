import ArgumentParser
import Foundation
import Logging
import SandcastleController
import SandcastleCore
import SandcastleDatabase
import SandcastleDirectorySink
import SandcastleGitHub
import SandcastleKubernetes

/// `sandcastle run`: the controller, the webhook receiver and the dashboard in one process.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller: webhook receiver, reconcile loop, resync, janitor, metrics and dashboard.",
        discussion: """
            Needs forge.github credentials and webhookSecret. With a cluster (kubeconfig or in-cluster) previews are applied \
            to it and replicas elect a leader through a Lease; with 'sink: {kind: directory}', or with no sink configured and \
            no cluster found, manifests are written under a directory instead. Stops gracefully on SIGTERM or SIGINT.
            """
    )

    @OptionGroup var options: ConfigOption
    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Namespace of the leader-election Lease (default: $POD_NAMESPACE, else sandcastle-system).")
    var leaseNamespace: String?

    func run() async throws {
        let config = try options.load()
        let settings = config.controller
        let format = settings.logFormat
        LoggingSystem.bootstrap { StructuredLogHandler(label: $0, format: format) }
        let logger = Logger(label: "sandcastle")

        guard let secretReference = config.forge.webhookSecret else {
            throw InvalidInput("\(options.config): forge.github.webhookSecret is required by 'run'; expected {env: NAME} or {file: PATH}")
        }
        let secret: String
        do {
            secret = try secretReference.resolve()
        } catch {
            throw InvalidInput("\(options.config): forge.github.webhookSecret: \(error.description)")
        }
        // The repositories served: the file's now; every adapter asks this catalog at each use.
        let catalog = RepositoryList(config)
        guard var githubConfiguration = try GitHubClientConfiguration.from(config, catalog: catalog) else {
            throw InvalidInput("\(options.config): forge.github needs 'token' or 'app' for 'run'")
        }
        githubConfiguration.listingsResolveLabelGrants = false
        let github = try GitHubClient(configuration: githubConfiguration)
        let bundles = try GitCheckouts(
            root: settings.workDirectory + "/checkouts",
            remote: .init(url: { github.cloneURL(for: $0) }, token: { try await github.gitToken(for: $0) }))

        // Checked now for the file's repositories (a wrong server fails the start); made on first
        // use for those the catalog serves later.
        let configPath = options.config
        let databases = DatabaseProvisioners { [config] repository in try config.provisioner(for: repository, configPath: configPath) }
        for repository in catalog.all where repository.settings.database.enabled { _ = try databases.provisioner(for: repository) }

        let (sink, kubernetes) = try makeSink(config, logger: logger)
        var parts = ControllerHost.Parts(
            config: config, source: github, reporter: github, sink: sink, bundles: bundles, databases: databases, webhookSecret: secret,
            logger: logger)
        parts.catalog = catalog
        if let kubernetes {
            parts.changes = ClusterWatcher(client: kubernetes, config: config, catalog: catalog, store: sink.store, logger: logger)
            let namespace = leaseNamespace ?? LeaseDefaults.namespace
            let identity = ProcessInfo.processInfo.environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName + "-\(getpid())"
            parts.leadership = { observe in
                let elector = LeaderElector(client: kubernetes, namespace: namespace, identity: identity, observe: observe)
                return { body in await elector.run(lead: body) }
            }
            // The same check as `sandcastle cluster check`, in the background: what fails is logged.
            Task {
                let report = await kubernetes.checkAccess(
                    leaseNamespace: namespace, engine: GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL))
                for finding in report.failures {
                    logger.error("cluster check failed", metadata: ["subject": "\(finding.subject)", "detail": "\(finding.detail)"])
                }
                if report.ok { logger.notice("cluster check passed", metadata: ["checks": "\(report.findings.count)"]) }
            }
        }
        parts.webURL = github.webURL
        parts.onListening = { port in logger.notice("listening", metadata: ["address": "\(settings.listenAddress.host):\(port)"]) }
        parts.onAdminListening = { port in
            logger.notice(
                "admin listening", metadata: ["address": "\(settings.adminAddress.host):\(port)", "serves": "dashboard, /api/previews, /metrics"])
        }
        parts.forgeStats = {
            let budgets = await github.rateLimitBudgets()
            return (await github.requestsSent(), budgets.compactMap(\.remaining).min())
        }
        let probe = HTTPReadinessProbe()
        parts.probe = probe
        let host = ControllerHost(parts)
        try await host.run()
        try? await probe.shutdown()
        try? await github.shutdown()
        try? await kubernetes?.shutdown()
    }

    /// The sink: the cluster when configured (or found, with no `sink` section), else the directory sink.
    private func makeSink(_ config: SandcastleConfig, logger: Logger) throws -> (PreviewSink, KubernetesClient?) {
        if config.sink.kind == .directory {
            return (PreviewSink(DirectorySink(root: config.sink.path ?? SinkConfig.defaultDirectory)), nil)
        }
        do {
            let client = try cluster.client()
            var options = ClusterSink.Options()
            options.engine = GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL)
            return (PreviewSink(ClusterSink(client: client, options: options)), client)
        } catch {
            guard config.sink.isDefault else { throw error }
            logger.notice(
                "no cluster configured; writing previews with the directory sink",
                metadata: ["directory": "\(SinkConfig.defaultDirectory)", "reason": "\(error)"])
            return (PreviewSink(DirectorySink(root: SinkConfig.defaultDirectory)), nil)
        }
    }
}
