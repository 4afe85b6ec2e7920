import Foundation

/// Replays webhook deliveries against an in-memory sink to show what Sandcastle would do.
///
/// Each pull-request payload is treated as a fresh per-PR read; the trigger label is taken as added
/// by the event's sender (for `labeled`) or the PR author, holding `assumedPermission`. The clock
/// is the latest `updated_at` seen, so a replay is deterministic.
public struct EventReplay {
    /// One replayed delivery and the actions planned for it.
    public struct Step: Sendable {
        public var name: String
        public var summary: String
        public var actions: [Action]
        public var note: String?
    }

    public var config: SandcastleConfig
    public var assumedPermission: Permission
    /// Renders a PR at its head; `nil` uses the head SHA as the content identity.
    public var render: ((PreviewKey, String, PreviewSettings) throws -> RenderSummary)?

    private var environments: [PreviewKey: ObservedEnvironment] = [:]
    private var grants: [PreviewKey: LabelGrant] = [:]
    private var clock = Date(timeIntervalSince1970: 0)

    public init(
        config: SandcastleConfig, assumedPermission: Permission, render: ((PreviewKey, String, PreviewSettings) throws -> RenderSummary)? = nil
    ) {
        self.config = config
        self.assumedPermission = assumedPermission
        self.render = render
    }

    /// Plans one delivery named `name` (used only for display) and applies the plan to the simulated sink.
    public mutating func replay(name: String, event: WebhookEvent) -> Step {
        guard case .pullRequest(let action, var snapshot, let sender, let label) = event else {
            let what =
                switch event {
                case .ping: "ping"
                case .pullRequestComment(_, let key, _, _): "comment on \(key)"
                case .issueComment(let key): "comment on issue \(key)"
                case .ignored(let event): "\(event) event"
                case .pullRequest: "pull request"
                }
            return Step(name: name, summary: what, actions: [], note: "nothing to do")
        }
        let summary = "pull_request \(action) \(snapshot.key)"
        guard let repository = config.repository(snapshot.key.repository) else {
            return Step(name: name, summary: summary, actions: [], note: "repository \(snapshot.key.repository) is not configured; ignored")
        }
        let settings = repository.settings
        if action == "labeled", let label, settings.trigger.labels.contains(where: { $0.caseInsensitiveCompare(label) == .orderedSame }) {
            grants[snapshot.key] = LabelGrant(label: label, addedBy: sender, permission: assumedPermission)
        }
        if grants[snapshot.key] == nil,
            let present = snapshot.labels.first(where: { l in settings.trigger.labels.contains { $0.caseInsensitiveCompare(l) == .orderedSame } })
        {
            grants[snapshot.key] = LabelGrant(label: present, addedBy: snapshot.author, permission: assumedPermission)
        }
        snapshot.labelGrant = grants[snapshot.key]
        clock = max(clock, snapshot.lastActivityAt)

        var note: String?
        var summaryOfRender: RenderSummary? = RenderSummary(sha: snapshot.headSHA, contentHash: snapshot.headSHA)
        if let render {
            do {
                summaryOfRender = try render(snapshot.key, snapshot.headSHA, settings)
            } catch {
                summaryOfRender = nil
                note = "render failed: \(error)"
            }
        }
        let desired = DesiredState(previews: [
            DesiredPreview(key: snapshot.key, observation: .read(snapshot), settings: settings, render: summaryOfRender)
        ])
        let actions = Planner.plan(desired: desired, observed: .environments(Array(environments.values)), now: clock)
        for step in actions {
            switch step {
            case .create(let key, let r), .update(let key, let r, _):
                let names = PreviewNames(key: key, settings: settings)
                environments[key] = ObservedEnvironment(
                    key: key, namespace: names.namespace, sha: r.sha, contentHash: r.contentHash, createdAt: clock)
            case .teardown(let key, _):
                environments[key] = nil
            default:
                break
            }
        }
        return Step(name: name, summary: summary, actions: actions, note: note)
    }
}
