import Foundation
import SandcastleCore

/// What the client remembers to keep reporting cheap and idempotent: the last status per commit and
/// context, deployment ids, the sticky comment's id and body, permissions, its own login. Losing it
/// (a restart) costs extra reads, never a duplicate.
actor ReportingMemo {
    private var statuses: [String: CommitStatus] = [:]
    private var deployments: [String: (id: Int, state: DeploymentUpdate.State?)] = [:]
    private var comments: [PreviewKey: (id: Int, body: String)] = [:]
    private var permissions: [String: (Permission, Date)] = [:]
    private var locks: [PreviewKey: [CheckedContinuation<Void, Never>]] = [:]
    var login: String?

    func status(_ key: String) -> CommitStatus? { statuses[key] }
    func remember(status: CommitStatus, _ key: String) { statuses[key] = status }

    func deployment(_ key: String) -> (id: Int, state: DeploymentUpdate.State?)? { deployments[key] }
    func remember(deployment id: Int, state: DeploymentUpdate.State?, _ key: String) { deployments[key] = (id, state) }

    func comment(_ key: PreviewKey) -> (id: Int, body: String)? { comments[key] }
    func remember(comment id: Int, body: String, _ key: PreviewKey) { comments[key] = (id, body) }
    func forgetComment(_ key: PreviewKey) { comments[key] = nil }

    func setLogin(_ login: String) { self.login = login }

    func permission(_ key: String, now: Date, lifetime: TimeInterval) -> Permission? {
        guard let (permission, at) = permissions[key], now.timeIntervalSince(at) < lifetime else { return nil }
        return permission
    }
    func remember(permission: Permission, _ key: String, now: Date) { permissions[key] = (permission, now) }

    /// Runs `body` with no other upsert of `key` in between (find-then-create must not race).
    func exclusively<T: Sendable>(_ key: PreviewKey, _ body: @Sendable () async throws -> T) async throws -> T {
        if locks[key] != nil {
            await withCheckedContinuation { locks[key, default: []].append($0) }
        } else {
            locks[key] = []
        }
        defer {
            if var waiting = locks[key], !waiting.isEmpty {
                waiting.removeFirst().resume()
                locks[key] = waiting
            } else {
                locks[key] = nil
            }
        }
        return try await body()
    }
}
