import Foundation
import SandcastleCore

/// A ``BundleSource`` backed by real git: one bare mirror per repository, shallow fetches of
/// exactly the head commit, and one extracted tree per commit shared by every PR at that commit.
///
/// Credentials reach git through `GIT_CONFIG_*` environment variables (an `http.extraHeader`), never
/// through arguments or remote URLs, so they do not show in `ps`, in git's errors or in logs.
public actor GitCheckouts: BundleSource {
    /// Where checkouts come from and with which credential.
    public struct Remote: Sendable {
        /// The clone URL of a repository (`https://github.com/OWNER/NAME.git`, or `file://…` in tests).
        public var url: @Sendable (RepositoryName) -> String
        /// A token for HTTPS fetches (`x-access-token` basic auth); `nil` for anonymous.
        public var token: @Sendable (RepositoryName) async throws -> String?

        public init(url: @escaping @Sendable (RepositoryName) -> String, token: @escaping @Sendable (RepositoryName) async throws -> String?) {
            self.url = url
            self.token = token
        }
    }

    public let root: String
    private let remote: Remote
    private nonisolated let git: String
    /// The commit each PR holds a tree of.
    private var held: [PreviewKey: String] = [:]
    /// Trees being extracted, so two PRs at one commit fetch it once.
    private var inProgress: [String: Task<String, any Error>] = [:]
    /// The last operation queued on each repository's bare mirror: git does not let two fetches
    /// share a shallow repository (`shallow file has changed since we read it`), so they take turns.
    private let mirrorTurns = Turns<String>()

    /// Throws when `git` is not on `PATH`.
    public init(root: String, remote: Remote) throws {
        guard let git = Subprocess.locate("git") else { throw GitCheckoutError("git is not on PATH; the controller needs it to read bundles") }
        self.root = root
        self.remote = remote
        self.git = git
    }

    public func checkout(_ key: PreviewKey, sha: String) async throws -> String {
        guard RenderContext.isCommitSHA(sha) else { throw GitCheckoutError("'\(sha)' is not a commit SHA; expected 40 lowercase hex digits") }
        let tree = "\(root)/trees/\(Self.slug(key.repository))/\(sha)"
        let path: String
        if FileManager.default.fileExists(atPath: tree + "/.sandcastle-complete") {
            path = tree
        } else if let running = inProgress[tree] {
            path = try await running.value
        } else {
            let task = Task { try await self.extract(key.repository, sha: sha, into: tree) }
            inProgress[tree] = task
            defer { inProgress[tree] = nil }
            path = try await task.value
        }
        let previous = held.updateValue(sha, forKey: key)
        if let previous, previous != sha { removeUnheld(key.repository, sha: previous) }
        return path
    }

    public func release(_ key: PreviewKey) async {
        if let sha = held.removeValue(forKey: key) { removeUnheld(key.repository, sha: sha) }
    }

    /// Runs `body` once every earlier operation on `repository`'s mirror has finished.
    private func inTurn<T: Sendable>(on repository: RepositoryName, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await mirrorTurns.inTurn(Self.slug(repository), body)
    }

    private func extract(_ repository: RepositoryName, sha: String, into tree: String) async throws -> String {
        let fm = FileManager.default
        let mirror = "\(root)/mirrors/\(Self.slug(repository)).git"
        let staging = "\(root)/trees/.staging-\(UUID().uuidString)"
        let token = try await remote.token(repository)
        let url = remote.url(repository)
        try fm.createDirectory(atPath: "\(root)/trees", withIntermediateDirectories: true)
        try await inTurn(on: repository) {
            try await self.fetch(repository, sha: sha, url: url, token: token, mirror: mirror, archive: staging + ".tar")
        }
        defer { try? fm.removeItem(atPath: staging + ".tar") }
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: staging) }
        guard let tar = Subprocess.locate("tar") else { throw GitCheckoutError("tar is not on PATH") }
        let untar = try await Subprocess.runDetached(tar, ["-xf", staging + ".tar", "-C", staging])
        guard untar.status == 0 else { throw GitCheckoutError("\(repository)@\(sha.prefix(12)): extracting the tree failed: \(untar.stderr)") }
        _ = fm.createFile(atPath: staging + "/.sandcastle-complete", contents: Data())
        try fm.createDirectory(atPath: (tree as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if fm.fileExists(atPath: tree) { try fm.removeItem(atPath: tree) }
        try fm.moveItem(atPath: staging, toPath: tree)
        return tree
    }

    /// Fetches `sha` into the mirror (created on first use) and archives its tree; one at a time per mirror.
    private nonisolated func fetch(
        _ repository: RepositoryName, sha: String, url: String, token: String?, mirror: String, archive: String
    ) async throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: mirror + "/HEAD") {
            try fm.createDirectory(atPath: mirror, withIntermediateDirectories: true)
            try await run("init", ["init", "--quiet", "--bare", mirror], about: repository, environment: [:])
        }
        var environment = ["GIT_TERMINAL_PROMPT": "0"]
        if let token {
            let basic = Data("x-access-token:\(token)".utf8).base64EncodedString()
            environment["GIT_CONFIG_COUNT"] = "1"
            environment["GIT_CONFIG_KEY_0"] = "http.extraHeader"
            environment["GIT_CONFIG_VALUE_0"] = "Authorization: Basic \(basic)"
        }
        // No automatic gc/maintenance inside a fetch: repacking a busy mirror takes seconds and
        // would stall this reconcile; shallow fetches of single commits stay small.
        try await run(
            "fetch",
            [
                "-C", mirror, "-c", "gc.auto=0", "-c", "maintenance.auto=false", "fetch", "--quiet", "--depth=1", "--no-tags",
                "--no-write-fetch-head", url, sha,
            ], about: repository, environment: environment)
        try await run("archive", ["-C", mirror, "archive", "--format=tar", "-o", archive, sha], about: repository, environment: [:])
    }

    /// Runs git; a failure names the git `command` (`fetch`, `archive`) and git's last lines.
    private nonisolated func run(_ command: String, _ arguments: [String], about repository: RepositoryName, environment: [String: String])
        async throws
    {
        let result = try await Subprocess.runDetached(git, arguments, environment: environment)
        guard result.status == 0 else {
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").suffix(3).joined(separator: " ")
            throw GitCheckoutError("\(repository): git \(command) failed: \(message)")
        }
    }

    private func removeUnheld(_ repository: RepositoryName, sha: String) {
        guard !held.contains(where: { $0.key.repository == repository && $0.value == sha }) else { return }
        try? FileManager.default.removeItem(atPath: "\(root)/trees/\(Self.slug(repository))/\(sha)")
    }

    /// `owner/name` lowercased; repository names are `[A-Za-z0-9._-]`, so this is a safe path.
    private static func slug(_ repository: RepositoryName) -> String { repository.canonical }
}

/// Why a checkout failed; never contains a credential.
public struct GitCheckoutError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension GitHubClient {
    /// A token git can fetch `repository` with: the personal access token, or the App's installation token.
    public func gitToken(for repository: RepositoryName) async throws -> String? {
        let header = try await authenticator.authorization(for: repository).header
        return header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : nil
    }

    /// The web address of the GitHub this client talks to (`api.github.com` → `https://github.com`;
    /// `https://HOST/api/v3` → `https://HOST`), where PRs and clone URLs live.
    public var webURL: String {
        let base = configuration.apiURL
        if base.hasSuffix("/api/v3") { return String(base.dropLast(7)) }
        return base.replacingOccurrences(of: "://api.github.com", with: "://github.com")
    }

    /// The clone URL of `repository` on that GitHub.
    public func cloneURL(for repository: RepositoryName) -> String { "\(webURL)/\(repository.owner)/\(repository.name).git" }
}
