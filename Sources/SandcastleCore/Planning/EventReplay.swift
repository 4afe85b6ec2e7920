import Foundation

/// Replays webhook deliveries through ``Planner/next(_:settings:now:)`` against a simulated sink
/// and forge, to show the steps the controller would take for them, in order.
///
/// Each pull-request payload is treated as a fresh per-PR read; the trigger label is taken as added
/// by the event's sender (for `labeled`) or the PR author, holding `assumedPermission`. Every step
/// is assumed to succeed: applied workloads become available, a deleted namespace disappears, and
/// GitHub takes every report. The clock is the latest `updated_at` seen, so a replay is deterministic.
public struct EventReplay {
    /// One replayed delivery and the steps the controller takes for it.
    public struct Step: Sendable {
        public var name: String
        public var summary: String
        /// The steps in the order they are executed.
        public var steps: [PreviewStep]
        /// How the reconcile ends; `nil` when the delivery is not about a pull request.
        public var ending: PreviewPlan.Ending?
        public var note: String?
    }

    public var config: SandcastleConfig
    public var assumedPermission: Permission
    /// Renders a PR at its head; `nil` uses the head SHA as the content identity.
    public var render: ((PreviewKey, String, PreviewSettings) throws -> RenderSummary)?

    private var environments: [PreviewKey: EnvironmentFact] = [:]
    private var told: [PreviewKey: ReportRecord] = [:]
    private var grants: [PreviewKey: LabelGrant] = [:]
    private var clock = Date(timeIntervalSince1970: 0)

    public init(
        config: SandcastleConfig, assumedPermission: Permission, render: ((PreviewKey, String, PreviewSettings) throws -> RenderSummary)? = nil
    ) {
        self.config = config
        self.assumedPermission = assumedPermission
        self.render = render
    }

    /// Replays one delivery named `name` (used only for display) and applies its steps to the simulation.
    public mutating func replay(name: String, event: WebhookEvent) -> Step {
        guard case .pullRequest(let action, var snapshot, let sender, let label) = event else {
            let what =
                switch event {
                case .ping: "ping"
                case .pullRequestComment(_, let key, _, _): "comment on \(key)"
                case .issueComment(let key): "comment on issue \(key)"
                case .ignored(let event): "\(event) event"
                case .pullRequest: "pull request"
                case .commitChecks(_, let sha, _): "checks of \(sha.prefix(7))"
                }
            return Step(name: name, summary: what, steps: [], ending: nil, note: "nothing to do")
        }
        let summary = "pull_request \(action) \(snapshot.key)"
        guard let repository = config.repository(snapshot.key.repository) else {
            return Step(
                name: name, summary: summary, steps: [], ending: nil, note: "repository \(snapshot.key.repository) is not configured; ignored")
        }
        let settings = repository.settings
        let key = snapshot.key
        if action == "labeled", let label, settings.trigger.labels.contains(where: { $0.caseInsensitiveCompare(label) == .orderedSame }) {
            grants[key] = LabelGrant(label: label, addedBy: sender, permission: assumedPermission)
        }
        if grants[key] == nil,
            let present = snapshot.labels.first(where: { l in settings.trigger.labels.contains { $0.caseInsensitiveCompare(l) == .orderedSame } })
        {
            grants[key] = LabelGrant(label: present, addedBy: snapshot.author, permission: assumedPermission)
        }
        snapshot.labelGrant = grants[key]
        clock = max(clock, snapshot.lastActivityAt)

        var facts = PreviewFacts(
            key: key, pullRequest: .read(snapshot), database: settings.database.enabled ? .needed : .notEnabled, environment: environments[key],
            othersLive: environments.keys.filter { $0 != key && $0.repository == key.repository }.count,
            reportedWithoutEnvironment: told[key])
        var steps: [PreviewStep] = []
        var note: String?
        for _ in 0..<32 {
            let plan = Planner.next(facts, settings: settings, now: clock)
            if plan.step == nil, case .recheck(_, let after) = plan.ending, plan.phase == .ready,
                let pending = facts.render?.hooks.first(where: { hook in !(facts.environment?.hooks.contains { $0.job == hook.job } ?? true) })
            {
                // A hook Job waits for its delay: the controller looks again then.
                clock = clock.addingTimeInterval(Double(after.components.seconds))
                note = (note.map { $0 + "; " } ?? "") + "the \(pending.stage.rawValue) Job starts after its delay (\(after))"
                continue
            }
            guard let step = plan.step else {
                environments[key] = facts.environment
                return Step(name: name, summary: summary, steps: steps, ending: plan.ending, note: note)
            }
            steps.append(step)
            switch step {
            case .render(let sha):
                do {
                    facts.render = try render?(key, sha, settings) ?? RenderSummary(sha: sha, contentHash: sha)
                } catch {
                    note = "render failed: \(error)"
                    facts.problem = StepProblem(sha: sha, message: "the bundle at \(sha.prefix(12)) cannot be rendered: \(error)")
                }
            case .claim: facts.claimed = true
            case .provisionDatabase: facts.database = .provisioned
            case .apply(let rendered, _):
                let names = PreviewNames(key: key, settings: settings)
                let created = facts.environment?.createdAt ?? clock
                facts.environment = EnvironmentFact(
                    namespace: names.namespace, sha: rendered.sha, contentHash: rendered.contentHash, createdAt: created, deployStartedAt: clock,
                    appliedAt: clock, workloads: .observed([]), readySince: clock, recorded: facts.environment?.recorded,
                    reported: facts.environment?.reported)
            case .probe(let url): facts.httpCheck = HTTPCheckFact(url: url, status: settings.readiness.http?.expectStatus)
            case .startHook(let hook):
                facts.environment?.hooks.append(
                    HookResult(stage: hook.stage, state: .succeeded, detail: "", job: hook.job, startedAt: clock, finishedAt: clock))
            case .record(let status): facts.environment?.recorded = status
            case .report(let report):
                if facts.environment != nil { facts.environment?.reported = report.record } else { told[key] = report.record }
                facts.reportedWithoutEnvironment = told[key]
            case .deleteNamespace(let reason):
                facts.environment?.namespaceState = .missing
                facts.environment?.teardownReason = reason
            case .dropDatabase: facts.database = .dropped
            case .forget:
                facts.environment = nil
                told[key] = nil
                facts.reportedWithoutEnvironment = nil
                environments[key] = nil
                if plan.phase == nil { return Step(name: name, summary: summary, steps: steps, ending: plan.ending, note: note) }
            }
        }
        environments[key] = facts.environment
        return Step(name: name, summary: summary, steps: steps, ending: .retry("did not converge in 32 steps"), note: note)
    }
}
