/// How `sandcastle run` behaves: where it listens, how often it resyncs and reaps, how much it
/// does at once. Every key has a default; see docs/configuration.md.
public struct ControllerSettings: Sendable, Hashable {
    /// Structured log line format.
    public enum LogFormat: String, Sendable, Hashable, CaseIterable { case logfmt, json }

    /// `HOST:PORT` the webhook listener binds (the webhook and the probes: what faces GitHub);
    /// port 0 picks a free one.
    public var listen: String
    /// `HOST:PORT` the admin listener binds (dashboard, `/api/previews`, `/metrics`): loopback by
    /// default, or a cluster-internal address; never exposed with the webhook.
    public var adminListen: String = "127.0.0.1:9090"
    /// Connections the webhook listener holds open at once; more wait in the accept backlog.
    public var maxConnections = 512
    /// How often every configured repository is listed (conditionally) to repair lost webhooks.
    public var resyncInterval: ConfigDuration
    /// How often the janitor looks for leaks, expired previews and orphaned databases.
    public var janitorInterval: ConfigDuration
    /// Reconciles running at once (each on a different PR).
    public var workers: Int
    /// GitHub requests in flight at once, separate from the Kubernetes side.
    public var githubConcurrency: Int
    /// Keys the work queue holds; beyond it webhooks get 503 and resync catches up.
    public var queueCapacity: Int
    /// The longest per-key backoff after repeated failures.
    public var retryCap: ConfigDuration
    public var logFormat: LogFormat
    /// Where checkouts of PR heads are kept.
    public var workDirectory: String

    public init(
        listen: String = "0.0.0.0:8080", resyncInterval: ConfigDuration = ConfigDuration(seconds: 60),
        janitorInterval: ConfigDuration = ConfigDuration(seconds: 300), workers: Int = 4, githubConcurrency: Int = 4,
        queueCapacity: Int = 10_000, retryCap: ConfigDuration = ConfigDuration(seconds: 300), logFormat: LogFormat = .logfmt,
        workDirectory: String = "/tmp/sandcastle"
    ) {
        self.listen = listen
        self.resyncInterval = resyncInterval
        self.janitorInterval = janitorInterval
        self.workers = workers
        self.githubConcurrency = githubConcurrency
        self.queueCapacity = queueCapacity
        self.retryCap = retryCap
        self.logFormat = logFormat
        self.workDirectory = workDirectory
    }

    /// The host and port of ``listen``.
    public var listenAddress: (host: String, port: Int) { Self.hostPort(listen, defaultPort: 8080) }

    /// The host and port of ``adminListen``.
    public var adminAddress: (host: String, port: Int) { Self.hostPort(adminListen, defaultPort: 9090) }

    static func hostPort(_ text: String, defaultPort: Int) -> (host: String, port: Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? defaultPort : defaultPort)
    }
}

extension ConfigLoader {
    static let controllerKeys = [
        "listen", "adminListen", "maxConnections", "resyncInterval", "janitorInterval", "workers", "githubConcurrency", "queueCapacity",
        "retryCap", "logFormat", "workDirectory",
    ]

    static func readController(_ node: ConfigNode, reader: inout ConfigReader) -> ControllerSettings? {
        guard let fields = reader.mapping(node, allowed: controllerKeys) else { return nil }
        var settings = ControllerSettings()
        for (key, path, example) in [("listen", \ControllerSettings.listen, "0.0.0.0:8080"), ("adminListen", \.adminListen, "127.0.0.1:9090")] {
            guard let node = fields[key], let text = reader.string(node) else { continue }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            // Port 0 asks the system for a free port (the bound port is logged).
            if parts.count == 2, ConfigValidation.isHostPort(String(parts[0])), let port = Int(parts[1]), (0...65535).contains(port) {
                settings[keyPath: path] = text
            } else {
                reader.fail(node, "'\(text)' is not HOST:PORT; expected e.g. \(example)")
            }
        }
        if let node = fields["maxConnections"], let value = reader.int(node, in: 16...100_000) { settings.maxConnections = value }
        for (key, path) in [("resyncInterval", \ControllerSettings.resyncInterval), ("janitorInterval", \.janitorInterval), ("retryCap", \.retryCap)]
        {
            guard let node = fields[key], let duration = reader.duration(node) else { continue }
            if duration.seconds < 1 { reader.fail(node, "expected at least 1s") } else { settings[keyPath: path] = duration }
        }
        for (key, path, range) in [
            ("workers", \ControllerSettings.workers, 1...64), ("githubConcurrency", \.githubConcurrency, 1...64),
            ("queueCapacity", \.queueCapacity, 1...1_000_000),
        ] {
            if let node = fields[key], let value = reader.int(node, in: range) { settings[keyPath: path] = value }
        }
        if let format = fields["logFormat"].flatMap({ reader.choice($0, as: ControllerSettings.LogFormat.self) }) { settings.logFormat = format }
        if let directory = fields["workDirectory"], let text = reader.string(directory) {
            if text.hasPrefix("/") { settings.workDirectory = text } else { reader.fail(directory, "expected an absolute path") }
        }
        return settings
    }
}
