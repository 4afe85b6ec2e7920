import Foundation

/// What Sandcastle knows about a pull request at one moment, as read from the forge.
public struct PullRequestSnapshot: Sendable, Hashable, Codable {
    /// Open or closed, as GitHub reports it.
    public enum State: String, Sendable, Hashable, Codable { case open, closed }

    public var key: PreviewKey
    public var state: State
    public var merged: Bool
    public var draft: Bool
    /// Label names on the PR.
    public var labels: [String]
    /// The 40-hex head commit.
    public var headSHA: String
    /// The head branch name; untrusted, never used in names.
    public var headRef: String
    /// The head repository id; `nil` when the fork was deleted.
    public var headRepositoryID: Int?
    /// The base repository id.
    public var baseRepositoryID: Int
    /// The PR author's login.
    public var author: String
    /// Who added the trigger label, when known, and their permission on the repository.
    public var labelGrant: LabelGrant?
    public var createdAt: Date
    /// The latest activity that should keep a preview alive (a push, a reopen, a label).
    public var lastActivityAt: Date
    /// The head commit's checks by name (check runs and commit status contexts), read only when
    /// the repository has `trigger.requiredChecks`; `nil` when not read.
    public var checks: [String: CheckOutcome]?

    public init(
        key: PreviewKey, state: State, merged: Bool = false, draft: Bool = false, labels: [String],
        headSHA: String, headRef: String = "", headRepositoryID: Int?, baseRepositoryID: Int, author: String,
        labelGrant: LabelGrant? = nil, createdAt: Date, lastActivityAt: Date
    ) {
        self.key = key
        self.state = state
        self.merged = merged
        self.draft = draft
        self.labels = labels
        self.headSHA = headSHA
        self.headRef = headRef
        self.headRepositoryID = headRepositoryID
        self.baseRepositoryID = baseRepositoryID
        self.author = author
        self.labelGrant = labelGrant
        self.createdAt = createdAt
        self.lastActivityAt = lastActivityAt
    }

    /// The PR comes from another repository (a fork), or its head repository is gone.
    public var isFromFork: Bool { headRepositoryID != baseRepositoryID }
}

/// Who added a trigger label, and what they may do on the repository.
public struct LabelGrant: Sendable, Hashable, Codable {
    public var label: String
    public var addedBy: String
    /// `nil` when the permission could not be read.
    public var permission: Permission?

    public init(label: String, addedBy: String, permission: Permission?) {
        self.label = label
        self.addedBy = addedBy
        self.permission = permission
    }
}

/// A collaborator's permission on a repository, ordered from least to most.
public enum Permission: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case none, read, triage, write, maintain, admin

    public static func < (lhs: Permission, rhs: Permission) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Where one check (a check run or a commit status context) of a commit stands.
public enum CheckOutcome: Sendable, Hashable, Codable {
    case pending
    case success
    case failure(String)
}
