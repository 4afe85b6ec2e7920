import Foundation
import JWTKit
import SandcastleCore

/// The state of the fake GitHub: repositories, pull requests, labels and who added them,
/// permissions, statuses, deployments, comments, credentials and rate limits, with faults
/// injected per request. It speaks the REST endpoints Sandcastle uses (see `FakeGitHub+Routes`).
///
/// Known differences from GitHub: only those endpoints exist; every repository is private (only
/// collaborators and the App's installation see it); search, GraphQL, check runs and webhooks
/// configuration are absent; ETags are strong hashes of the body; secondary limits happen only when
/// injected.
public actor FakeGitHub {
    /// A pull request as the fake holds it.
    public struct PullRequest: Sendable {
        public var number: Int
        public var state = "open"
        public var draft = false
        public var merged = false
        public var labels: [String] = []
        public var headSHA: String
        public var headRef: String
        /// `nil` when the fork was deleted; another id for a fork.
        public var headRepositoryID: Int?
        public var author: String
        public var createdAt: Date
        public var updatedAt: Date
    }

    public struct CommitStatusRecord: Sendable {
        public var id: Int
        public var state: String
        public var context: String
        public var description: String?
        public var targetURL: String?
    }

    public struct DeploymentRecord: Sendable {
        public var id: Int
        public var sha: String
        public var environment: String
        public var transient: Bool
        public var production: Bool
        public var statuses: [(state: String, environmentURL: String?)] = []
    }

    public struct CommentRecord: Sendable {
        public var id: Int
        public var issue: Int
        public var body: String
        public var author: String
    }

    struct Repository {
        var id: Int
        var name: RepositoryName
        var pulls: [Int: PullRequest] = [:]
        /// `labeled` events per PR, oldest first: (label, actor).
        var labelEvents: [Int: [(label: String, actor: String)]] = [:]
        var collaborators: [String: Permission] = [:]
        var statuses: [String: [CommitStatusRecord]] = [:]
        /// Check runs by head SHA: name, status (`queued`, `in_progress`, `completed`) and conclusion.
        var checkRuns: [String: [(name: String, status: String, conclusion: String?)]] = [:]
        var deployments: [DeploymentRecord] = []
        var comments: [CommentRecord] = []
        var installationID: Int?
    }

    struct RateBucket {
        var limit = 5000
        var remaining = 5000
        var resetAt: Date
    }

    /// One request as the fake received it.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var ifNoneMatch: String?
        public var credential: String
        public var at: Date
        public var status: Int
    }

    let clock: any WallClock
    var repositories: [String: Repository] = [:]
    var personalTokens: [String: String] = [:]
    var installationTokens: [String: (installation: Int, expiresAt: Date)] = [:]
    var installationPermissions: [Int: [String: String]] = [:]
    var app: (id: Int, slug: String, keys: JWTKeyCollection)?
    var buckets: [String: RateBucket] = [:]
    var faults: [FakeGitHubFault] = []
    var nextID = 1000
    /// Every request so far, oldest first.
    public private(set) var requests: [RecordedRequest] = []
    /// Installation tokens issued so far.
    public internal(set) var issuedTokens = 0

    public init(clock: any WallClock = SystemClock()) { self.clock = clock }

    // MARK: setup

    /// Adds a repository; returns its id.
    @discardableResult
    public func addRepository(_ name: RepositoryName, collaborators: [String: Permission] = [:], installationID: Int? = nil) -> Int {
        nextID += 1
        repositories[name.canonical] = Repository(id: nextID, name: name, collaborators: collaborators, installationID: installationID)
        return nextID
    }

    /// A personal access token acting as `login`.
    public func addPersonalToken(_ token: String, login: String) { personalTokens[token] = login }

    /// Registers the GitHub App whose JWTs are checked with `publicKeyPEM`.
    public func registerApp(id: Int, slug: String, publicKeyPEM: String) async throws {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PublicKey(pem: publicKeyPEM), digestAlgorithm: .sha256)
        app = (id, slug, keys)
    }

    /// What tokens of `installation` may do (GitHub's permission names to `read`/`write`).
    public func setInstallationPermissions(_ installation: Int, _ permissions: [String: String]) {
        installationPermissions[installation] = permissions
    }

    /// Adds or replaces a PR. `labeledBy` records who added each label (a `labeled` event).
    public func putPullRequest(
        _ repository: RepositoryName, number: Int, sha: String, labels: [String] = [], labeledBy: String? = nil, state: String = "open",
        draft: Bool = false, merged: Bool = false, fork: Bool = false, author: String = "dev", createdAt: Date? = nil
    ) {
        guard var repo = repositories[repository.canonical] else { return }
        let now = clock.now
        let previous = repo.pulls[number]
        repo.pulls[number] = PullRequest(
            number: number, state: state, draft: draft, merged: merged, labels: labels, headSHA: sha, headRef: "feature/\(number)",
            headRepositoryID: fork ? repo.id + 500_000 : repo.id, author: author, createdAt: previous?.createdAt ?? createdAt ?? now,
            updatedAt: now)
        if let labeledBy {
            for label in labels where !(previous?.labels.contains(label) ?? false) {
                repo.labelEvents[number, default: []].append((label, labeledBy))
            }
        }
        repositories[repository.canonical] = repo
    }

    /// Injects a fault into the next matching request(s).
    public func inject(_ fault: FakeGitHubFault) { faults.append(fault) }

    /// Ends every injected fault (the outage is over).
    public func clearFaults() { faults = [] }

    /// Sets the remaining primary budget of a credential (`token:<login>` or `installation/<id>`).
    public func setRateLimit(_ credential: String, remaining: Int, resetIn: TimeInterval) {
        buckets[credential] = RateBucket(remaining: remaining, resetAt: clock.now.addingTimeInterval(resetIn))
    }

    /// Sets a check run of `sha` as CI would (replacing one of the same name).
    public func setCheckRun(_ repository: RepositoryName, sha: String, name: String, status: String, conclusion: String? = nil) {
        guard var repo = repositories[repository.canonical] else { return }
        repo.checkRuns[sha, default: []].removeAll { $0.name == name }
        repo.checkRuns[sha, default: []].append((name, status, conclusion))
        repositories[repository.canonical] = repo
    }

    // MARK: inspection

    public func statuses(_ repository: RepositoryName, sha: String) -> [CommitStatusRecord] {
        repositories[repository.canonical]?.statuses[sha] ?? []
    }

    public func deployments(_ repository: RepositoryName) -> [DeploymentRecord] {
        repositories[repository.canonical]?.deployments ?? []
    }

    public func comments(_ repository: RepositoryName, issue: Int) -> [CommentRecord] {
        repositories[repository.canonical]?.comments.filter { $0.issue == issue } ?? []
    }

    /// Adds a comment as someone else (to check that only Sandcastle's own comment is edited).
    public func addComment(_ repository: RepositoryName, issue: Int, body: String, author: String) {
        nextID += 1
        repositories[repository.canonical]?.comments.append(CommentRecord(id: nextID, issue: issue, body: body, author: author))
    }

    /// Deletes a comment (as a user might).
    public func deleteComment(_ repository: RepositoryName, id: Int) {
        repositories[repository.canonical]?.comments.removeAll { $0.id == id }
    }

    /// Requests whose path contains `fragment`.
    public func requests(matching fragment: String) -> [RecordedRequest] { requests.filter { $0.path.contains(fragment) } }

    func record(_ request: RecordedRequest) { requests.append(request) }
}
