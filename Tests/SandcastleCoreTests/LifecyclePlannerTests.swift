import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `Planner.next`, one row per transition of a preview's lifecycle.
@Suite struct LifecyclePlannerTests {
    static let now = Make.epoch.addingTimeInterval(3600)
    static let key = Make.key(1)
    static let render = RenderSummary(sha: Make.sha, contentHash: "content-1")
    static let other = String(repeating: "b", count: 40)

    static func settings(database: Bool = false, seed: Bool = false, maxConcurrent: Int = 10, http: Bool = false) -> PreviewSettings {
        var settings = PreviewSettings.builtin
        if http {
            settings.readiness.http = HTTPCheckSettings(url: try! Template(parsing: "{{ url }}/healthz"), interval: ConfigDuration(seconds: 5))
        }
        settings.domain = "preview.test"
        settings.database.enabled = database
        settings.maxConcurrent = maxConcurrent
        if seed { settings.hooks.seed = JobHook(image: "seed", command: ["seed"], timeout: ConfigDuration(seconds: 300)) }
        return settings
    }

    /// An environment applied at `render`, started `age` seconds before `now`.
    static func env(
        hash: String = "content-1", sha: String = Make.sha, age: TimeInterval = 20, workloads: WorkloadsFact = .observed([]),
        namespace: NamespaceFact = .active, recorded: PreviewStatus? = nil, reported: ReportRecord? = nil, teardown: String? = nil,
        drift: [String] = [], failure: String? = nil, hooks: [HookResult] = [], hooksObservable: Bool = true, readySince: Date? = nil
    ) -> EnvironmentFact {
        EnvironmentFact(
            namespace: "pr-1-shop", sha: sha, contentHash: hash, createdAt: now.addingTimeInterval(-age),
            deployStartedAt: now.addingTimeInterval(-age),
            appliedAt: now.addingTimeInterval(-age + 2), applyFailure: failure, namespaceState: namespace, workloads: workloads, drift: drift,
            hooks: hooks, hooksObservable: hooksObservable, readySince: readySince, recorded: recorded, reported: reported,
            teardownReason: teardown)
    }

    static let seedJob = "sandcastle-seed-\(Make.sha.prefix(7))"
    static let verifyJob = "sandcastle-verify-\(Make.sha.prefix(7))"
    /// A render with a seed Job and a verify Job that waits 90 s after it.
    static let hooked = RenderSummary(
        sha: Make.sha, contentHash: "content-1",
        hooks: [HookSpec(stage: .seed, job: seedJob), HookSpec(stage: .verify, job: verifyJob, delay: ConfigDuration(seconds: 90))])
    static func seed(_ state: HookResult.State, startedAgo: TimeInterval = 30, finishedAgo: TimeInterval? = nil, job: String = seedJob)
        -> HookResult
    {
        HookResult(
            stage: .seed, state: state, detail: state == .failed ? "failed (BackoffLimitExceeded)" : "", job: job,
            startedAt: now.addingTimeInterval(-startedAgo), finishedAt: finishedAgo.map { now.addingTimeInterval(-$0) },
            output: state == .failed ? "seed: POST /api/items answered 500" : nil)
    }
    static let readyURL = "ready: https://shop-pr-1.preview.test"

    static func facts(
        _ pr: PullRequestObservation = .read(Make.pr(1)), render: RenderSummary? = LifecyclePlannerTests.render, environment: EnvironmentFact? = nil,
        claimed: Bool = false, database: DatabaseFact = .notEnabled, problem: StepProblem? = nil, othersLive: Int = 0,
        waiting: [AdmissionQueue.Candidate] = [], told: ReportRecord? = nil, waitingRecorded: WaitingRecord? = nil
    ) -> PreviewFacts {
        var facts = PreviewFacts(
            key: key, pullRequest: pr, render: render, problem: problem, database: database, environment: environment, othersLive: othersLive,
            waiting: waiting, reportedWithoutEnvironment: told)
        facts.claimed = claimed
        facts.waitingRecord = waitingRecorded
        return facts
    }

    /// PR `number`'s record of waiting, as the store holds it after `.record`.
    static func recordedWait(_ number: Int) -> WaitingRecord { WaitingRecord(key: Make.key(number), since: Make.pr(number).createdAt, sha: Make.sha) }

    static let progressing = WorkloadsFact.observed([
        WorkloadFact(name: "Deployment/web", readiness: .progressing("Deployment web: 0 of 1 updated replicas available"))
    ])
    static let ready = WorkloadsFact.observed([WorkloadFact(name: "Deployment/web", readiness: .ready)])

    /// The plan of `facts`, with the status and report it would record: what each row checks.
    static func plan(_ facts: PreviewFacts, _ settings: PreviewSettings = LifecyclePlannerTests.settings()) -> PreviewPlan {
        Planner.next(facts, settings: settings, now: now)
    }

    /// A compact form of a plan: the step, or the ending.
    static func summary(_ plan: PreviewPlan) -> String {
        switch plan.step {
        case .render(let sha): "render \(sha.prefix(7))"
        case .claim: "claim"
        case .provisionDatabase: "database"
        case .apply(_, let why): "apply: \(why)"
        case .record(let status): "record \(status.phase.rawValue): \(status.message)"
        case .report(let report): "report \(report.record.summary)"
        case .probe(let url): "probe \(url)"
        case .startHook(let hook): "start \(hook.stage.rawValue) \(hook.job)"
        case .deleteNamespace(let reason): "delete namespace: \(reason)"
        case .dropDatabase: "drop database"
        case .forget: "forget"
        case nil:
            switch plan.ending {
            case .settled(let why): "settled: \(why)"
            case .recheck(let why, let after): "recheck \(after): \(why)"
            case .retry(let why): "retry: \(why)"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var facts: PreviewFacts
        var settings: PreviewSettings = LifecyclePlannerTests.settings()
        var expected: String
        var testDescription: String { name }
    }

    static let deploying = PreviewStatus(
        phase: .deploying, message: "Deployment web: 0 of 1 updated replicas available",
        conditions: [
            .init(type: .applied, status: true, reason: "Applied", message: "applied at \(Make.sha.prefix(12))"),
            .init(type: .workloadsReady, status: false, reason: "RollingOut", message: "Deployment web: 0 of 1 updated replicas available"),
            .init(type: .ready, status: false, reason: "RollingOut", message: "Deployment web: 0 of 1 updated replicas available"),
        ], workloads: ["Deployment/web": "Deployment web: 0 of 1 updated replicas available"])
    static let readyStatus = PreviewStatus(
        phase: .ready, message: "ready at https://shop-pr-1.preview.test",
        conditions: [
            .init(type: .applied, status: true, reason: "Applied", message: "applied at \(Make.sha.prefix(12))"),
            .init(type: .workloadsReady, status: true, reason: "Available", message: "every workload is available"),
            .init(type: .ready, status: true, reason: "Ready", message: "https://shop-pr-1.preview.test"),
        ], workloads: ["Deployment/web": "Ready"])
    static let toldPending = ReportRecord(sha: Make.sha, summary: "pending: waiting for Deployment/web to become available")
    static let toldReady = ReportRecord(sha: Make.sha, summary: "ready: https://shop-pr-1.preview.test")
    static let closed = PullRequestObservation.read(Make.pr(1, state: .closed))
    static let terminating = PreviewStatus(
        phase: .terminating, message: "namespace pr-1-shop is terminating",
        conditions: [
            .init(type: .applied, status: false, reason: "TearingDown", message: "namespace pr-1-shop is terminating"),
            .init(type: .workloadsReady, status: false, reason: "TearingDown", message: ""),
            .init(type: .ready, status: false, reason: "TearingDown", message: "namespace pr-1-shop is terminating"),
        ])

    static let rows: [Row] = [
        // Observation
        Row(name: "an unreadable PR is retried", facts: facts(.unavailable("timeout")), expected: "retry: reading the pull request: timeout"),
        Row(
            name: "a 404 never tears down", facts: facts(.notFound, environment: env()),
            expected: "settled: awaiting a per-PR read to confirm the PR is closed or ineligible"),
        Row(name: "a 404 without an environment is nothing", facts: facts(.notFound), expected: "settled: nothing to do"),
        Row(
            name: "an unknown label adder is retried, not guessed", facts: facts(.read(Make.pr(1, labelGrant: nil))),
            expected: "retry: who added the label preview is not known"),
        // Deploy: render → claim → database → apply
        Row(name: "an eligible PR is rendered first", facts: facts(render: nil), expected: "render a1a1a1a"),
        Row(
            name: "a render of an older head is rendered again",
            facts: facts(.read(Make.pr(1, sha: other)), environment: env()), expected: "render bbbbbbb"),
        Row(name: "a new preview claims its namespace before any side effect", facts: facts(), expected: "claim"),
        Row(
            name: "the database comes after the claim", facts: facts(claimed: true, database: .needed), settings: settings(database: true),
            expected: "database"),
        Row(name: "then the apply", facts: facts(claimed: true), expected: "apply: new preview"),
        Row(name: "a changed content is applied", facts: facts(environment: env(hash: "content-0")), expected: "apply: content changed at a1a1a1a"),
        Row(name: "a failed apply is applied again", facts: facts(environment: env(failure: "boom")), expected: "apply: the last apply failed"),
        Row(
            name: "a push is recorded as being applied before the new commit is applied (the last commit's Ready is not left beside it)",
            facts: facts(environment: env(hash: "content-0", sha: other, recorded: readyStatus)),
            expected: "record Deploying: applying a1a1a1a1a1a1: content changed at a1a1a1a"),
        Row(
            name: "then the new commit is applied",
            facts: facts(
                environment: env(hash: "content-0", sha: other, recorded: .applying(Make.sha, because: "content changed at a1a1a1a"))),
            expected: "apply: content changed at a1a1a1a"),
        Row(
            name: "an apply that failed in this reconcile is recorded as Failed by the planner",
            facts: {
                var facts = Self.facts(environment: env(failure: "apply to namespace pr-1-shop: HTTP 500"))
                facts.failedApply = "apply to namespace pr-1-shop: HTTP 500"
                return facts
            }(), expected: "record Failed: apply to namespace pr-1-shop: HTTP 500"),
        Row(
            name: "then retried with backoff",
            facts: {
                var facts = Self.facts(
                    environment: env(
                        recorded: .notApplied(.failed, "apply to namespace pr-1-shop: HTTP 500", reason: "ApplyFailed"),
                        failure: "apply to namespace pr-1-shop: HTTP 500"))
                facts.failedApply = "apply to namespace pr-1-shop: HTTP 500"
                return facts
            }(), expected: "retry: apply to namespace pr-1-shop: HTTP 500"),
        Row(
            name: "after a failed apply, the next attempt records Deploying first",
            facts: facts(
                environment: env(
                    recorded: .notApplied(.failed, "apply to namespace pr-1-shop: HTTP 500", reason: "ApplyFailed"), failure: "boom")),
            expected: "record Deploying: applying a1a1a1a1a1a1: the last apply failed"),
        Row(
            name: "a status judged at an older generation of the environment is recorded again",
            facts: facts(environment: {
                var environment = Self.env(workloads: ready, recorded: readyStatus)
                environment.generation = 3
                return environment
            }()), expected: "record Ready: ready at https://shop-pr-1.preview.test"),
        Row(
            name: "a repository no longer served: its preview goes after a per-PR read",
            facts: {
                var facts = Self.facts(environment: env())
                facts.repositoryServed = false
                return facts
            }(), expected: "delete namespace: the repository is not served by Sandcastle (any more)"),
        Row(
            name: "but not on a listing alone",
            facts: {
                var facts = Self.facts(.listed(Make.pr(1)), environment: env())
                facts.repositoryServed = false
                return facts
            }(), expected: "settled: awaiting a per-PR read to confirm the PR is closed or ineligible"),
        Row(
            name: "an operator's apply is recorded as applied, nothing judged",
            facts: {
                var facts = Self.facts(.unavailable("not read"), environment: env())
                facts.operatorApply = OperatorApply(sha: Make.sha, objects: 12)
                return facts
            }(), expected: "record Deploying: applied 12 objects at a1a1a1a1a1a1; waiting for workloads"),
        Row(
            name: "an operator's teardown needs no read of the PR",
            facts: {
                var facts = Self.facts(.unavailable("not read"), environment: env())
                facts.teardownRequest = TeardownRequest(reason: "sandcastle teardown", tellsForge: false)
                return facts
            }(), expected: "delete namespace: sandcastle teardown"),
        Row(
            name: "and posts no receipt when it has no forge",
            facts: {
                var facts = Self.facts(.unavailable("not read"), environment: env(namespace: .missing, teardown: "sandcastle teardown"))
                facts.teardownRequest = TeardownRequest(reason: "sandcastle teardown", tellsForge: false)
                return facts
            }(), expected: "forget"),
        Row(
            name: "a deleted Deployment is drift, applied again", facts: facts(environment: env(drift: ["Deployment/web is missing"])),
            expected: "apply: repair: Deployment/web is missing"),
        Row(
            name: "a deleted namespace is applied again once gone", facts: facts(environment: env(namespace: .missing)),
            expected: "apply: repair: namespace pr-1-shop is gone"),
        Row(
            name: "a namespace deleted by hand is waited for",
            facts: facts(environment: env(namespace: .terminating(since: nil, detail: ""))),
            expected: "recheck 15.0 seconds: waiting for namespace pr-1-shop to finish terminating"),
        // Readiness
        Row(
            name: "applied but not available: recorded as Deploying", facts: facts(environment: env(workloads: progressing)),
            expected: "record Deploying: Deployment web: 0 of 1 updated replicas available"),
        Row(
            name: "then GitHub hears pending (routine progress once, not at every count)",
            facts: facts(environment: env(workloads: progressing, recorded: deploying)),
            expected: "report pending: waiting for Deployment/web to become available"),
        Row(
            name: "told and recorded: look again later (the watch may come first)",
            facts: facts(environment: env(workloads: progressing, recorded: deploying, reported: toldPending)),
            expected: "recheck 30.0 seconds: Deployment web: 0 of 1 updated replicas available"),
        Row(
            name: "the recheck never overshoots the timeout",
            facts: facts(environment: env(age: 590, workloads: progressing, recorded: deploying, reported: toldPending)),
            expected: "recheck 10.0 seconds: Deployment web: 0 of 1 updated replicas available"),
        Row(
            name: "past readiness.timeout it fails with the reason",
            facts: facts(environment: env(age: 601, workloads: progressing, recorded: deploying)),
            expected: "record Failed: not ready after 10m: Deployment web: 0 of 1 updated replicas available"),
        Row(
            name: "a progress deadline exceeded fails at once",
            facts: facts(
                environment: env(
                    workloads: .observed([WorkloadFact(name: "Deployment/web", readiness: .failed("Deployment web exceeded its progress deadline"))]))
            ),
            expected: "record Failed: Deployment web exceeded its progress deadline"),
        Row(
            name: "the cluster's complaint leads the reason",
            facts: facts(
                environment: env(
                    workloads: .observed([
                        WorkloadFact(
                            name: "Deployment/web", readiness: .progressing("x"), diagnosis: ["ImagePullBackOff: ghcr.io/a/b:1 (container web)"])
                    ]))), expected: "record Deploying: Deployment/web: ImagePullBackOff: ghcr.io/a/b:1 (container web)"),
        Row(
            name: "every workload available: recorded Ready", facts: facts(environment: env(workloads: ready)),
            expected: "record Ready: ready at https://shop-pr-1.preview.test"),
        Row(
            name: "then GitHub hears success", facts: facts(environment: env(workloads: ready, recorded: readyStatus)),
            expected: "report ready: https://shop-pr-1.preview.test"),
        Row(
            name: "ready and told: settled, nothing written",
            facts: facts(environment: env(workloads: ready, recorded: readyStatus, reported: toldReady)),
            expected: "settled: ready at a1a1a1a"),
        Row(
            name: "with readiness.http, available workloads are checked first", facts: facts(environment: env(workloads: ready)),
            settings: settings(http: true), expected: "probe https://shop-pr-1.preview.test/healthz"),
        Row(
            name: "a check that does not answer keeps it deploying with its answer",
            facts: {
                var f = facts(environment: env(workloads: ready))
                f.httpCheck = HTTPCheckFact(url: "https://shop-pr-1.preview.test/healthz", status: 503)
                return f
            }(), settings: settings(http: true), expected: "record Deploying: https://shop-pr-1.preview.test/healthz answered 503 (expected 200)"),
        Row(
            name: "it is looked at again after the check's interval",
            facts: {
                var f = facts(
                    environment: env(
                        workloads: ready,
                        recorded: PreviewStatus(
                            phase: .deploying, message: "https://shop-pr-1.preview.test/healthz answered 503 (expected 200)",
                            conditions: [
                                .init(type: .applied, status: true, reason: "Applied", message: "applied at \(Make.sha.prefix(12))"),
                                .init(
                                    type: .workloadsReady, status: false, reason: "RollingOut",
                                    message: "https://shop-pr-1.preview.test/healthz answered 503 (expected 200)"),
                                .init(
                                    type: .ready, status: false, reason: "RollingOut",
                                    message: "https://shop-pr-1.preview.test/healthz answered 503 (expected 200)"),
                            ], workloads: ["Deployment/web": "Ready"]),
                        reported: ReportRecord(sha: Make.sha, summary: "pending: https://shop-pr-1.preview.test/healthz answered 503 (expected 200)"))
                )
                f.httpCheck = HTTPCheckFact(url: "https://shop-pr-1.preview.test/healthz", status: 503)
                return f
            }(), settings: settings(http: true), expected: "recheck 5.0 seconds: https://shop-pr-1.preview.test/healthz answered 503 (expected 200)"),
        Row(
            name: "a check that answers makes it Ready",
            facts: {
                var f = facts(environment: env(workloads: ready))
                f.httpCheck = HTTPCheckFact(url: "https://shop-pr-1.preview.test/healthz", status: 200)
                return f
            }(), settings: settings(http: true), expected: "record Ready: ready at https://shop-pr-1.preview.test"),
        Row(
            name: "a sink that cannot observe workloads says applied",
            facts: facts(environment: env(workloads: .unobservable)), expected: "record Ready: ready at https://shop-pr-1.preview.test"),
        // Images: a tag not pushed yet
        Row(
            name: "a new PR whose image is not pushed yet: GitHub hears what is waited for",
            facts: {
                var f = facts(render: nil)
                f.imageWait = ImageWait(sha: Make.sha, image: "ghcr.io/acme/shop:pr-1-a1a1a1a", since: now.addingTimeInterval(-20))
                return f
            }(), expected: "report pending: waiting for ghcr.io/acme/shop:pr-1-a1a1a1a"),
        Row(
            name: "already told: look again soon after the push",
            facts: {
                var f = facts(render: nil, told: ReportRecord(sha: Make.sha, summary: "pending: waiting for ghcr.io/acme/shop:pr-1-a1a1a1a"))
                f.imageWait = ImageWait(sha: Make.sha, image: "ghcr.io/acme/shop:pr-1-a1a1a1a", since: now.addingTimeInterval(-20))
                return f
            }(), expected: "recheck 5.0 seconds: waiting for ghcr.io/acme/shop:pr-1-a1a1a1a"),
        Row(
            name: "a preview of the previous commit records the wait and stays up",
            facts: {
                var f = facts(render: nil, environment: env(sha: other, workloads: ready, recorded: readyStatus))
                f.imageWait = ImageWait(sha: Make.sha, image: "ghcr.io/acme/shop:pr-1-a1a1a1a", since: now.addingTimeInterval(-600))
                return f
            }(), expected: "record WaitingForImage: waiting for ghcr.io/acme/shop:pr-1-a1a1a1a"),
        Row(
            name: "past images.waitTimeout the preview fails with that reason",
            facts: {
                var f = facts(render: nil)
                f.imageWait = ImageWait(sha: Make.sha, image: "ghcr.io/acme/shop:pr-1-a1a1a1a", since: now.addingTimeInterval(-1801))
                return f
            }(), expected: "report failure(sandcastle/deploy): ghcr.io/acme/shop:pr-1-a1a1a1a was not pushed within 30m"),
        // Hooks: seed once ready, verify after the seed and its delay
        Row(
            name: "hook Jobs wait while workloads roll out", facts: facts(render: hooked, environment: env(workloads: progressing)),
            expected: "record Deploying: Deployment web: 0 of 1 updated replicas available"),
        Row(
            name: "ready is recorded before any hook starts", facts: facts(render: hooked, environment: env(workloads: ready)),
            expected: "record Ready: ready at https://shop-pr-1.preview.test"),
        Row(
            name: "ready and recorded: the seed Job starts",
            facts: facts(render: hooked, environment: env(workloads: ready, recorded: readyStatus, readySince: now)),
            expected: "start seed \(seedJob)"),
        Row(
            name: "a running seed is told, verify waits for it",
            facts: facts(render: hooked, environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.running)])),
            expected:
                "report \(readyURL); sandcastle/seed pending: running for less than a minute (Job \(seedJob)); sandcastle/verify pending: waits for the seed Job"
        ),
        Row(
            name: "a running seed already told: look again",
            facts: facts(
                render: hooked,
                environment: env(
                    workloads: ready, recorded: readyStatus,
                    reported: ReportRecord(
                        sha: Make.sha,
                        summary:
                            "\(readyURL); sandcastle/seed pending: running for less than a minute (Job \(seedJob)); sandcastle/verify pending: waits for the seed Job"
                    ), hooks: [seed(.running)])), expected: "recheck 30.0 seconds: hook Jobs are running or due"),
        Row(
            name: "a seed running for minutes says so (once a minute)",
            facts: facts(render: hooked, environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.running, startedAgo: 150)])),
            expected:
                "report \(readyURL); sandcastle/seed pending: running for 2 min (Job \(seedJob)); sandcastle/verify pending: waits for the seed Job"),
        Row(
            name: "the seed passed: verify waits for its delay",
            facts: facts(
                render: hooked, environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.succeeded, startedAgo: 40, finishedAgo: 30)])),
            expected:
                "report \(readyURL); sandcastle/seed success: passed in 10 s (Job \(seedJob)); sandcastle/verify pending: starts at \(HookProgress.clock(now.addingTimeInterval(60))) (delay 1m30s)"
        ),
        Row(
            name: "the delay passed: verify starts",
            facts: facts(
                render: hooked,
                environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.succeeded, startedAgo: 120, finishedAgo: 100)])),
            expected: "start verify \(verifyJob)"),
        Row(
            name: "a failed seed skips verify",
            facts: facts(render: hooked, environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.failed, finishedAgo: 5)])),
            expected:
                "report \(readyURL); sandcastle/seed failure: job/\(seedJob) failed (BackoffLimitExceeded): seed: POST /api/items answered 500; sandcastle/verify error: skipped: the seed Job failed"
        ),
        Row(
            name: "verify without a seed starts once ready (no delay)",
            facts: facts(
                render: RenderSummary(sha: Make.sha, contentHash: "content-1", hooks: [HookSpec(stage: .verify, job: verifyJob)]),
                environment: env(workloads: ready, recorded: readyStatus, readySince: now.addingTimeInterval(-1))),
            expected: "start verify \(verifyJob)"),
        Row(
            name: "a new commit runs the seed again (the old commit's Job does not count)",
            facts: facts(
                render: hooked,
                environment: env(workloads: ready, recorded: readyStatus, hooks: [seed(.succeeded, finishedAgo: 100, job: "sandcastle-seed-bbbbbbb")])
            ),
            expected: "start seed \(seedJob)"),
        Row(
            name: "a sink that cannot observe hooks says so and starts none",
            facts: facts(render: hooked, environment: env(workloads: ready, recorded: readyStatus, hooksObservable: false)),
            expected:
                "report \(readyURL); sandcastle/seed pending: Job \(seedJob) written with the preview; its result is not observable from this sink; sandcastle/verify pending: Job \(verifyJob) written with the preview; its result is not observable from this sink"
        ),
        // Problems
        Row(
            name: "a broken bundle is reported as a failure",
            facts: facts(render: nil, problem: StepProblem(sha: Make.sha, message: "the bundle at a1 cannot be rendered")),
            expected: "report failure(sandcastle/deploy): the bundle at a1 cannot be rendered"),
        Row(
            name: "a problem of an older head is not this head's", facts: facts(render: nil, problem: StepProblem(sha: other, message: "old")),
            expected: "render a1a1a1a"),
        Row(
            name: "a failing seed is reported under sandcastle/seed",
            facts: facts(claimed: true, database: .needed, problem: StepProblem(sha: Make.sha, message: "seed db.sql:3: error", context: .seed)),
            settings: settings(database: true), expected: "report failure(sandcastle/seed): seed db.sql:3: error"),
        // The queue
        Row(
            name: "over the cap a new PR's wait is recorded first", facts: facts(othersLive: 1), settings: settings(maxConcurrent: 1),
            expected: "record Queued: waiting for a free slot"),
        Row(
            name: "over the cap, its wait recorded, it is told its place", facts: facts(othersLive: 1, waitingRecorded: recordedWait(1)),
            settings: settings(maxConcurrent: 1), expected: "report queued 1/1"),
        Row(
            name: "told its place, it waits quietly",
            facts: facts(othersLive: 1, told: ReportRecord(sha: Make.sha, summary: "queued 1/1"), waitingRecorded: recordedWait(1)),
            settings: settings(maxConcurrent: 1), expected: "settled: queued at position 1 of 1"),
        Row(
            name: "a waiting PR pushed again records its new head",
            facts: facts(
                othersLive: 1, told: ReportRecord(sha: Make.sha, summary: "queued 1/1"),
                waitingRecorded: WaitingRecord(key: key, since: Make.pr(1).createdAt, sha: String(repeating: "b", count: 40))),
            settings: settings(maxConcurrent: 1), expected: "record Queued: waiting for a free slot"),
        Row(
            name: "an earlier waiter keeps its place",
            facts: facts(
                .read(Make.pr(1, createdAt: Make.epoch.addingTimeInterval(60))), othersLive: 1,
                waiting: [AdmissionQueue.Candidate(key: Make.key(2), since: Make.epoch)],
                waitingRecorded: WaitingRecord(key: key, since: Make.epoch.addingTimeInterval(60), sha: Make.sha)),
            settings: settings(maxConcurrent: 2), expected: "report queued 1/1"),
        // Teardown
        Row(
            name: "closed in a listing is not proof", facts: facts(.listed(Make.pr(1, state: .closed)), environment: env()),
            expected: "settled: awaiting a per-PR read to confirm the PR is closed or ineligible"),
        Row(name: "closed without an environment is nothing", facts: facts(closed), expected: "settled: nothing to do: the pull request is closed"),
        Row(
            name: "closed per a read: the namespace is deleted", facts: facts(closed, environment: env()),
            expected: "delete namespace: the pull request is closed"),
        Row(
            name: "a teardown that needs a human stops there (a namespace that is not this preview's)",
            facts: facts(closed, environment: env(), problem: StepProblem(sha: Make.sha, message: "namespace pr-1-shop is not Sandcastle's")),
            expected: "settled: stalled: namespace pr-1-shop is not Sandcastle's"),
        Row(
            name: "a terminating namespace is recorded, not waited for in a worker",
            facts: facts(closed, environment: env(namespace: .terminating(since: nil, detail: ""), teardown: "the pull request is closed")),
            expected: "record Terminating: namespace pr-1-shop is terminating"),
        Row(
            name: "then looked at again",
            facts: facts(
                closed,
                environment: env(namespace: .terminating(since: nil, detail: ""), recorded: terminating, teardown: "the pull request is closed")),
            expected: "recheck 15.0 seconds: namespace pr-1-shop is terminating"),
        Row(
            name: "gone: the database is dropped",
            facts: facts(closed, environment: env(namespace: .missing, teardown: "the pull request is closed")),
            settings: settings(database: true), expected: "drop database"),
        Row(
            name: "then the receipt is posted",
            facts: facts(closed, environment: env(namespace: .missing, teardown: "the pull request is closed")),
            expected: "report torn down: the pull request is closed"),
        Row(
            name: "and only then the environment is forgotten",
            facts: facts(
                closed,
                environment: env(
                    namespace: .missing, reported: ReportRecord(sha: Make.sha, summary: "torn down: the pull request is closed"),
                    teardown: "the pull request is closed")), expected: "forget"),
        Row(
            name: "reopened while the old namespace terminates: wait",
            facts: facts(environment: env(namespace: .terminating(since: nil, detail: ""), teardown: "closed")),
            expected: "recheck 15.0 seconds: waiting for namespace pr-1-shop to finish terminating"),
        Row(
            name: "reopened after the old one is gone: forget it first", facts: facts(environment: env(namespace: .missing, teardown: "closed")),
            expected: "forget"),
        Row(
            name: "past its TTL it is torn down",
            facts: facts(.read(Make.pr(1, lastActivityAt: now.addingTimeInterval(-73 * 3600))), environment: env()),
            expected: "delete namespace: it expired at \(RFC3339.string(now.addingTimeInterval(-3600)))"),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        #expect(Self.summary(Self.plan(row.facts, row.settings)) == row.expected)
    }

    @Test func theExpiryWarningAndThePinReachTheReport() {
        let warned = Self.plan(
            Self.facts(
                .read(Make.pr(1, lastActivityAt: Self.now.addingTimeInterval(-65 * 3600))),
                environment: Self.env(workloads: Self.ready, recorded: Self.readyStatus)))
        guard case .report(let report) = warned.step else {
            Issue.record("expected a report, got \(warned)")
            return
        }
        #expect(report.notice?.contains("expires at") == true)
        let pinned = Self.plan(
            Self.facts(.read(Make.pr(1, labels: ["preview", "preserve"])), environment: Self.env(workloads: Self.ready, recorded: Self.readyStatus)))
        guard case .report(let pin) = pinned.step else {
            Issue.record("expected a report, got \(pinned)")
            return
        }
        #expect(pin.notice?.contains("Pinned by the preserve label") == true)
        #expect(pinned.pinnedUntil != nil)
    }

    @Test func readyReportsCarryTheStageDurations() {
        let plan = Self.plan(Self.facts(environment: Self.env(workloads: Self.ready, recorded: Self.readyStatus)))
        guard case .report(let report) = plan.step else {
            Issue.record("expected a report, got \(plan)")
            return
        }
        #expect(report.durations.map(\.stage) == ["apply", "rollout"])
        #expect(report.durations.map(\.seconds) == [2, 18])
        #expect(report.comment.markdown.contains("**Took:** apply 2.0 s, rollout 18 s"))
    }
}
