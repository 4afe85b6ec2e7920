import ArgumentParser
import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes

/// `sandcastle apply`: renders one preview and applies it to the cluster.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Render one pull request's preview and apply it to the cluster (server-side apply, then prune).",
        discussion: "Re-applying an unchanged preview writes nothing. Exit codes: 0 applied, 1 invalid input or a cluster error."
    )

    @OptionGroup var options: ConfigOption
    @OptionGroup var preview: PreviewOptions
    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The PR's repository checkout, for database.seed (default: --bundle without the configured bundle.path).")
    var checkout: String?

    func run() async throws {
        let config = try options.load()
        var rendered = try preview.render(config, configPath: options.config)
        let repository = try config.configured(preview.repo, configPath: options.config)
        if repository.settings.database.enabled {
            let provisioner = try config.provisioner(for: repository, configPath: options.config)
            let root = checkout ?? Self.checkout(bundle: preview.bundle, bundlePath: repository.settings.bundle.path)
            do {
                let secret = try await provisioner.ensureSecret(
                    for: rendered.key, names: rendered.names, settings: repository.settings.database, checkout: root)
                rendered = rendered.adding([secret])
                print(
                    "\(rendered.key): database \(rendered.names.databaseIdentifier) ready (credentials in Secret \(DatabaseCredentials.secretName))")
            } catch {
                throw InvalidInput("\(rendered.key): database: \(error)")
            }
        }
        let client = try cluster.client()
        do {
            let sink = ClusterSink(client: client)
            let report = try await sink.applyPreview(rendered)
            // The applier writes no lifecycle status; the planner says what an operator's apply
            // means ("applied, nothing judged yet") and its record step writes it.
            if !report.unchanged {
                try await OperatorApplyRecord(store: sink, settings: repository.settings)
                    .run(rendered.key, applied: OperatorApply(sha: rendered.sha, objects: report.applied))
            }
            if report.unchanged {
                print(
                    "\(rendered.key): unchanged in namespace \(rendered.names.namespace) (content \(rendered.contentHash.prefix(12))); nothing written"
                )
            } else {
                print("\(rendered.key): applied \(report.applied) objects to namespace \(rendered.names.namespace) at \(rendered.sha.prefix(12))")
                for object in report.pruned { print("  pruned \(object)") }
                for object in report.skipped { print("  left alone \(object): no longer managed by this preview") }
                print("  URL https://\(rendered.names.host)")
            }
        } catch {
            try? await client.shutdown()
            throw InvalidInput("\(rendered.key): \(error)")
        }
        try? await client.shutdown()
    }
}

extension ApplyCommand {
    /// The repository root: the bundle directory without its configured path inside the repository.
    static func checkout(bundle: String, bundlePath: String) -> String {
        let trimmed = bundle.hasSuffix("/") ? String(bundle.dropLast()) : bundle
        if trimmed.hasSuffix("/" + bundlePath) { return String(trimmed.dropLast(bundlePath.count + 1)) }
        return FileManager.default.currentDirectoryPath
    }
}

/// `sandcastle teardown`: removes one preview and waits until its namespace is gone.
struct TeardownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teardown",
        abstract: "Delete one pull request's preview and wait until its namespace is gone.",
        discussion: "Never removes finalizers: a namespace that stays Terminating is reported with its conditions (exit code 1)."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The repository, OWNER/NAME, as configured.")
    var repo: RepositoryName

    @Option(help: "The pull request number.")
    var pr: Int

    @Option(help: "Seconds to wait for the namespace to disappear.")
    var timeout: Double = 120

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let config = try options.load()
        let repository = try config.configured(repo, configPath: options.config)
        let key = PreviewKey(repository: repository.name, number: pr)
        let provisioner = repository.settings.database.enabled ? try config.provisioner(for: repository, configPath: options.config) : nil
        let client = try cluster.client()
        let sink = ClusterSink(client: client)
        let started = Date()
        let outcome: OperatorTeardown.Outcome
        do {
            // The controller's teardown, steps chosen by the planner, until the preview is gone.
            outcome = try await OperatorTeardown(store: sink, applier: sink, database: provisioner, settings: repository.settings)
                .run(key, timeout: timeout)
        } catch {
            try? await client.shutdown()
            throw InvalidInput("\(key): \(error)")
        }
        try? await client.shutdown()
        guard let namespace = outcome.namespace else {
            print("\(key): no preview exists; nothing to tear down")
            return
        }
        if outcome.steps.contains(.dropDatabase) {
            print("\(key): dropped database and role \(PreviewNames(key: key, settings: repository.settings).databaseIdentifier)")
        }
        if outcome.gone {
            print(
                "\(key): namespace \(namespace) and its PreviewEnvironment are gone (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
        } else {
            print("\(key): namespace \(namespace) is still Terminating after \(Int(timeout)) s:")
            for condition in outcome.namespaceConditions where condition.status { print("  \(condition.type): \(condition.message)") }
            print("Sandcastle never removes finalizers; run teardown again once their controllers have finished.")
            throw ExitCode(1)
        }
    }
}

/// `sandcastle get`: lists previews like `kubectl get`.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "List the previews on the cluster: repository, PR, phase, URL, SHA and age.")

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let client = try cluster.client()
        let objects: [ManifestObject]
        do {
            objects = try await client.list(
                apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil,
                labelSelector: "\(Ownership.managedByLabel)=\(Ownership.managedByValue)")
        } catch {
            try? await client.shutdown()
            throw InvalidInput(String(describing: error))
        }
        try? await client.shutdown()
        print(PreviewTable.render(objects, now: Date()), terminator: "")
    }
}

/// The `sandcastle get` table.
enum PreviewTable {
    static func render(_ objects: [ManifestObject], now: Date) -> String {
        var rows = [["REPO", "PR", "PHASE", "REASON", "URL", "SHA", "AGE"]]
        for object in objects.sorted(by: { (PreviewEnvironment.key(of: $0) ?? Self.none) < (PreviewEnvironment.key(of: $1) ?? Self.none) }) {
            let created = object.value(at: "metadata.creationTimestamp")?.string.flatMap(RFC3339.date)
            rows.append([
                object.value(at: "spec.repository")?.string ?? "?",
                PreviewEnvironment.key(of: object).map { String($0.number) } ?? "?",
                object.value(at: "status.phase")?.string ?? "Pending",
                reason(object),
                object.value(at: "status.url")?.string ?? object.value(at: "spec.url")?.string ?? "",
                String((object.value(at: "spec.headSHA")?.string ?? "").prefix(7)),
                created.map { age(now.timeIntervalSince($0)) } ?? "?",
            ])
        }
        if rows.count == 1 { return "No previews.\n" }
        return TextTable.render(rows)
    }

    /// The status message, as `kubectl get previews` shows it, cut to fit a terminal.
    static func reason(_ object: ManifestObject) -> String {
        let message = (object.value(at: "status.message")?.string ?? "").replacingOccurrences(of: "\n", with: " ")
        return message.count > 60 ? String(message.prefix(59)) + "…" : message
    }

    private static let none = PreviewKey(repository: RepositoryName(owner: "", name: ""), number: 0)

    /// kubectl's age format: 45s, 12m, 5h, 3d.
    static func age(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
