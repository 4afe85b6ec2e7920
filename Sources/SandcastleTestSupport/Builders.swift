import Foundation
import SandcastleCore

/// Concise builders for test values.
public enum Make {
    public static let repository = RepositoryName(owner: "acme", name: "shop")
    public static let sha = String(repeating: "a1", count: 20)
    public static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    public static func key(_ number: Int, _ repository: RepositoryName = Make.repository) -> PreviewKey {
        PreviewKey(repository: repository, number: number)
    }

    /// An open, labelled, same-repository PR whose label was added by a writer.
    public static func pr(
        _ number: Int, repository: RepositoryName = Make.repository, state: PullRequestSnapshot.State = .open,
        merged: Bool = false, draft: Bool = false, labels: [String] = ["preview"], sha: String = Make.sha,
        fork: Bool = false, labelGrant: LabelGrant? = LabelGrant(label: "preview", addedBy: "maintainer", permission: .write),
        createdAt: Date = Make.epoch, lastActivityAt: Date? = nil
    ) -> PullRequestSnapshot {
        PullRequestSnapshot(
            key: PreviewKey(repository: repository, number: number), state: state, merged: merged, draft: draft, labels: labels,
            headSHA: sha, headRef: "feature/\(number)", headRepositoryID: fork ? 999 : 1, baseRepositoryID: 1, author: "dev",
            labelGrant: labelGrant, createdAt: createdAt, lastActivityAt: lastActivityAt ?? createdAt)
    }
}
