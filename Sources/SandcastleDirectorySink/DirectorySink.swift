import Foundation
import SandcastleCore

/// A sink that writes each preview as a folder of manifests, for GitOps tools or inspection: an
/// ``EnvironmentStore`` and a ``PreviewApplier``. It cannot run hook Jobs or see workloads, and
/// leaves nothing behind without a state file, so it is neither a hook runner nor a reaper.
///
/// Layout: `<root>/<namespace>/NNN-kind-name.yaml` plus `<root>/<namespace>/.sandcastle/state.json`
/// recording the key, head SHA, content hash, creation time and object list. The state file is
/// the ownership mark: a folder without it is never modified or deleted (safety rule 4), and a
/// state file that cannot be read makes the whole listing fail rather than shrink (safety rule 1).
public actor DirectorySink: EnvironmentStore, PreviewApplier {
    /// What Sandcastle records next to a preview's manifests.
    struct State: Codable, Equatable {
        var key: PreviewKey
        var namespace: String
        var sha: String
        var contentHash: String
        var createdAt: Date
        var updatedAt: Date
        var objects: [String]
        /// The lifecycle status last recorded.
        var status: PreviewStatus?
        /// What the forge was last told.
        var reported: ReportRecord?
        /// Set when the teardown removed the manifests; the folder goes once the receipt is posted.
        var teardownReason: String?
        /// What the forge refused when told about this preview.
        var reportingProblem: String?
    }

    /// A PR waiting for a slot, in `<root>/.sandcastle-waiting.json`.
    struct WaitingMark: Codable, Equatable {
        var key: PreviewKey
        var sha: String
        var since: Date
    }

    public let root: String
    private let now: @Sendable () -> Date

    /// `now` is the clock for creation and update times.
    public init(root: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.root = root
        self.now = now
    }

    public func environments() async throws -> [ObservedEnvironment] {
        try states().map {
            ObservedEnvironment(
                key: $0.key, namespace: $0.namespace, sha: $0.sha, contentHash: $0.contentHash, createdAt: $0.createdAt,
                reportLags: ResyncPolicy.reportLags(phase: $0.status?.phase, sha: $0.sha, reported: $0.reported))
        }
    }

    public func environments(in repository: RepositoryName) async throws -> [ObservedEnvironment] {
        try await environments().filter { $0.key.repository == repository }
    }

    /// Creates the preview's folder with its state file (no manifests yet), unless it is there;
    /// a folder that is not this preview's is refused.
    public func claim(_ preview: RenderedPreview) async throws {
        let target = root + "/" + preview.names.namespace
        if let existing = try state(in: target) {
            guard existing.key == preview.key else {
                throw DirectorySinkError("\(target) belongs to \(existing.key), not \(preview.key); refusing to overwrite it")
            }
            return
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw DirectorySinkError("\(target) exists but was not written by Sandcastle (no .sandcastle/state.json); refusing to adopt it")
        }
        let time = now()
        let state = State(
            key: preview.key, namespace: preview.names.namespace, sha: preview.sha, contentHash: "", createdAt: time, updatedAt: time, objects: [])
        try FileManager.default.createDirectory(atPath: target + "/.sandcastle", withIntermediateDirectories: true)
        try DirectorySink.encoder.encode(state).write(to: URL(fileURLWithPath: target + "/.sandcastle/state.json"))
    }

    /// Writes the preview into a fresh folder and swaps it in, so readers never see a half-written preview.
    @discardableResult
    public func apply(_ preview: RenderedPreview) async throws -> ApplyReport {
        let fm = FileManager.default
        let target = root + "/" + preview.names.namespace
        let previous = try state(in: target)
        if fm.fileExists(atPath: target), previous == nil {
            throw DirectorySinkError("\(target) exists but was not written by Sandcastle (no .sandcastle/state.json); refusing to adopt it")
        }
        if let previous, previous.key != preview.key {
            throw DirectorySinkError("\(target) belongs to \(previous.key), not \(preview.key); refusing to overwrite it")
        }
        let staging = root + "/.staging-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: staging) }
        try ManifestDirectory(path: staging).write(preview)
        let time = now()
        let state = State(
            key: preview.key, namespace: preview.names.namespace, sha: preview.sha, contentHash: preview.contentHash,
            createdAt: previous?.createdAt ?? time, updatedAt: time,
            objects: preview.objects.map { "\($0.group.isEmpty ? "" : $0.group + "/")\($0.kind)/\($0.name)" }, status: previous?.status,
            reported: previous?.reported, reportingProblem: previous?.reportingProblem)
        try fm.createDirectory(atPath: staging + "/.sandcastle", withIntermediateDirectories: true)
        try DirectorySink.encoder.encode(state).write(to: URL(fileURLWithPath: staging + "/.sandcastle/state.json"))
        if previous != nil { try fm.removeItem(atPath: target) }
        try fm.moveItem(atPath: staging, toPath: target)
        let gone = Set(previous?.objects ?? []).subtracting(state.objects).sorted()
        return ApplyReport(unchanged: false, applied: preview.objects.count, pruned: gone)
    }

    public func observe(_ key: PreviewKey) async throws -> EnvironmentFact? {
        guard let (_, state) = try ownedFolders().first(where: { $0.1.key == key }) else { return nil }
        return EnvironmentFact(
            namespace: state.namespace, sha: state.sha, contentHash: state.teardownReason == nil ? state.contentHash : "",
            createdAt: state.createdAt, deployStartedAt: state.updatedAt, appliedAt: state.updatedAt,
            namespaceState: state.teardownReason == nil ? .active : .missing, workloads: .unobservable, hooksObservable: false,
            recorded: state.status,
            reported: state.reported, teardownReason: state.teardownReason)
    }

    /// Everything is written at once: there is nothing cheaper to observe after an apply.
    public func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact? { try await observe(key) }

    public func record(_ key: PreviewKey, status: PreviewStatus) async throws { try update(key) { $0.status = status } }

    public func recordReportingProblem(_ key: PreviewKey, problem: String?) async throws { try update(key) { $0.reportingProblem = problem } }

    /// The directory has no status for a PR without a preview: the wait's order is what is kept.
    public func recordWaiting(_ record: WaitingRecord, names: PreviewNames, status: PreviewStatus) async throws {
        try writeWaitingMarks(try waitingMarks().filter { $0.key != record.key } + [WaitingMark(key: record.key, sha: record.sha, since: record.since)])
    }

    public func forgetWaiting(_ key: PreviewKey, names: PreviewNames) async throws {
        try writeWaitingMarks(try waitingMarks().filter { $0.key != key })
    }

    public func waiting(in repository: RepositoryName) async throws -> [WaitingRecord] {
        try waitingMarks().filter { $0.key.repository == repository }.map { WaitingRecord(key: $0.key, since: $0.since, sha: $0.sha) }
    }

    private func writeWaitingMarks(_ marks: [WaitingMark]) throws {
        let file = root + "/" + Self.waitingFile
        if marks.isEmpty {
            if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
            return
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try DirectorySink.encoder.encode(marks.sorted { $0.key < $1.key }).write(to: URL(fileURLWithPath: file), options: .atomic)
    }

    static let waitingFile = ".sandcastle-waiting.json"

    private func waitingMarks() throws -> [WaitingMark] {
        let file = root + "/" + Self.waitingFile
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        guard let data = FileManager.default.contents(atPath: file), let marks = try? DirectorySink.decoder.decode([WaitingMark].self, from: data)
        else { throw DirectorySinkError("\(file) is not a readable list of waiting PRs; the queue is not read until it is fixed or removed") }
        return marks
    }

    public func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws { try update(key) { $0.reported = record } }

    /// Removes the preview's manifests and keeps its state (with the reason) until ``forget(_:)``.
    public func deleteNamespace(_ key: PreviewKey, reason: String) async throws {
        let fm = FileManager.default
        for (path, state) in try ownedFolders() where state.key == key {
            for entry in try fm.contentsOfDirectory(atPath: path) where entry != ".sandcastle" { try fm.removeItem(atPath: path + "/" + entry) }
        }
        try update(key) { $0.teardownReason = reason }
    }

    public func forget(_ key: PreviewKey) async throws { try await teardown(key) }

    private func update(_ key: PreviewKey, _ change: (inout State) -> Void) throws {
        for (path, var state) in try ownedFolders() where state.key == key {
            change(&state)
            try DirectorySink.encoder.encode(state).write(to: URL(fileURLWithPath: path + "/.sandcastle/state.json"))
        }
    }

    /// Removes the preview's folder; a folder that is not this preview's is left alone.
    public func teardown(_ key: PreviewKey) async throws {
        for (path, state) in try ownedFolders() where state.key == key {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    // MARK: reading state

    private func states() throws -> [State] { try ownedFolders().map(\.1).sorted { $0.key < $1.key } }

    private func ownedFolders() throws -> [(String, State)] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root) else { return [] }
        let entries: [String]
        do {
            entries = try fm.contentsOfDirectory(atPath: root)
        } catch {
            throw DirectorySinkError("cannot list \(root): \(error.localizedDescription)")
        }
        return try entries.sorted().filter { !$0.hasPrefix(".") }.compactMap { entry in
            let path = root + "/" + entry
            return try state(in: path).map { (path, $0) }
        }
    }

    /// The state of the folder at `path`; `nil` when the folder has none (it is not Sandcastle's).
    private func state(in path: String) throws -> State? {
        let file = path + "/.sandcastle/state.json"
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else { throw DirectorySinkError("cannot read \(file)") }
        do {
            return try DirectorySink.decoder.decode(State.self, from: data)
        } catch {
            throw DirectorySinkError("\(file) is not a readable Sandcastle state file; nothing is listed until it is fixed or removed")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
