import Foundation
import SandcastleCore

/// The forge of `sandcastle demo`: pull requests held in memory (set by the scenario) behind the
/// same ports the GitHub client implements, and everything reported kept for printing. No network.
actor LocalForge: PullRequestSource, StatusReporter {
    private var pulls: [PreviewKey: PullRequestSnapshot] = [:]
    private(set) var statuses: [String: CommitStatus] = [:]
    private(set) var deployments: [String: DeploymentUpdate.State] = [:]
    private(set) var comment: String?
    private(set) var commentWrites = 0
    /// What was reported since the last ``drainLog()``, one line each.
    private var log: [String] = []

    func set(_ pr: PullRequestSnapshot) { pulls[pr.key] = pr }

    func drainLog() -> [String] {
        defer { log = [] }
        return log
    }

    func openPullRequests(in repository: RepositoryName) async throws -> [PullRequestSnapshot] {
        pulls.values.filter { $0.key.repository == repository && $0.state == .open }.sorted { $0.key < $1.key }
    }

    func pullRequest(_ key: PreviewKey) async throws -> PullRequestSnapshot? { pulls[key] }

    func setStatus(_ status: CommitStatus, on sha: String, of key: PreviewKey) async throws {
        let id = "\(sha)/\(status.context.rawValue)"
        guard statuses[id] != status else { return }
        statuses[id] = status
        log.append("status \(status.context.rawValue) = \(status.state.rawValue) on \(sha.prefix(7)): \(status.description)")
    }

    func reportDeployment(_ update: DeploymentUpdate, of key: PreviewKey) async throws {
        let id = "\(update.environment)/\(update.sha)"
        if update.state == .inactive {
            for existing in deployments.keys where existing.hasPrefix(update.environment + "/") && deployments[existing] != .inactive {
                deployments[existing] = .inactive
                log.append("deployment \(existing.prefix(update.environment.count + 8)) = inactive")
            }
            return
        }
        guard deployments[id] != update.state else { return }
        deployments[id] = update.state
        log.append(
            "deployment \(update.environment) at \(update.sha.prefix(7)) = \(update.state.rawValue)\(update.environmentURL.map { " (\($0))" } ?? "")")
    }

    func upsertComment(_ comment: PreviewComment) async throws {
        let body = comment.markdown
        guard self.comment != body else { return }
        log.append(self.comment == nil ? "comment posted" : "comment edited in place")
        self.comment = body
        commentWrites += 1
    }
}
