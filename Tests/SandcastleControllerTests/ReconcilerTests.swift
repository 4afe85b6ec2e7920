import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

@Suite("Reconciler")
struct ReconcilerTests {
    @Test func anEligiblePRIsDeployedAndReportedOnce() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1))
        let outcome = await rig.reconciler().reconcile(Make.key(1))
        #expect(outcome == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.previews[Make.key(1)] != nil)
        #expect(await rig.reporter.statuses[Make.sha]?[.deploy]?.state == .success)
        #expect(await rig.reporter.deployments[Make.key(1)]?.last?.state == .success)
        #expect(await rig.reporter.comments[Make.key(1)]?.url == "https://shop-pr-1.preview.test")

        // Level-triggered: reconciling again with nothing changed writes nothing to the sink.
        let again = await rig.reconciler().reconcile(Make.key(1))
        #expect(again == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.applyCalls == 1)
    }

    /// A comment GitHub refuses (422) does not fail the reconcile or loop: the refusal is logged
    /// once and shown on the preview; the deployment itself is reported.
    @Test func aRefusedCommentIsRecordedOnceAndNotRetriedInALoop() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1))
        await rig.reporter.failComments(
            RefusedByForge("POST /repos/acme/shop/issues/1/comments: HTTP 422: body is too long (maximum is 65536 characters)"))
        let outcome = await rig.reconciler().reconcile(Make.key(1))
        #expect(outcome == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.reporter.statuses[Make.sha]?[.deploy]?.state == .success)
        let record = try #require(rig.dependencies.book.record(Make.key(1)))
        #expect(record.reportingProblem?.contains("HTTP 422: body is too long") == true)
        #expect(record.events.contains { $0.text.hasPrefix("GitHub refused the sticky comment") })
        _ = await rig.reconciler().reconcile(Make.key(1))
        #expect(await rig.reporter.commentAttempts == 1, "not retried until it changes: what GitHub was told is recorded")
        #expect(rig.dependencies.book.record(Make.key(1))?.events.filter { $0.text.hasPrefix("GitHub refused") }.count == 1)

        await rig.reporter.failComments(nil)
        await rig.source.put(Make.pr(1, sha: String(repeating: "b", count: 40)))
        _ = await rig.reconciler().reconcile(Make.key(1))
        #expect(rig.dependencies.book.record(Make.key(1))?.reportingProblem == nil, "cleared once GitHub takes it")
    }

    @Test func overTheCapPRsWaitInOrderAndAreToldTheirPosition() async throws {
        let rig = try UnitRig.make(maxConcurrent: 1)
        await rig.source.put(Make.pr(1, createdAt: Make.epoch))
        await rig.source.put(Make.pr(2, createdAt: Make.epoch.addingTimeInterval(60)))
        await rig.source.put(Make.pr(3, createdAt: Make.epoch.addingTimeInterval(120)))
        let reconciler = rig.reconciler()
        _ = await reconciler.reconcile(Make.key(1))
        // PR 3 is looked at before PR 2, but PR 2 waited longer and keeps its place.
        #expect(await reconciler.reconcile(Make.key(3)) == .settled("queued at position 1 of 1"))
        #expect(await reconciler.reconcile(Make.key(2)) == .settled("queued at position 1 of 2"))
        #expect(await reconciler.reconcile(Make.key(3)) == .settled("queued at position 2 of 2"))
        #expect(await rig.reporter.comments[Make.key(3)]?.queuePosition == 2)
        #expect(await rig.reporter.statuses[Make.sha]?[.deploy]?.description.hasPrefix("Queued") == true)
        #expect(rig.dependencies.book.record(Make.key(2))?.phase == .queued)

        await rig.source.put(Make.pr(1, state: .closed))
        _ = await reconciler.reconcile(Make.key(1))
        #expect(rig.woken.withLock { $0 } == [Make.repository])
        // The freed slot belongs to PR 2, which waited longest, even though PR 3 is looked at first.
        #expect(await reconciler.reconcile(Make.key(3)) == .settled("queued at position 1 of 1"))
        #expect(await rig.sink.previews[Make.key(3)] == nil)
        #expect(await reconciler.reconcile(Make.key(2)) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await reconciler.reconcile(Make.key(3)) == .settled("queued at position 1 of 1"))
    }

    @Test func aBrokenBundleIsReportedOnThePRAndNothingIsApplied() async throws {
        let rig = try UnitRig.make(bundle: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: escalate}\n")
        await rig.source.put(Make.pr(1))
        let outcome = await rig.reconciler().reconcile(Make.key(1))
        guard case .settled(let why) = outcome else {
            Issue.record("expected settled, got \(outcome)")
            return
        }
        #expect(why.contains("cannot be rendered"))
        #expect(await rig.sink.applyCalls == 0)
        let status = await rig.reporter.statuses[Make.sha]?[.deploy]
        #expect(status?.state == .failure)
        #expect(status?.description.contains("contract") == true)
        #expect(rig.dependencies.book.record(Make.key(1))?.phase == .failed)
    }

    @Test func expiryIsWarnedThenEnforcedAndThePreserveLabelPins() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1))
        await rig.source.put(Make.pr(2, labels: ["preview", "preserve"]))
        let reconciler = rig.reconciler()
        _ = await reconciler.reconcile(Make.key(1))
        _ = await reconciler.reconcile(Make.key(2))
        #expect(await rig.reporter.comments[Make.key(1)]?.notice == nil)

        rig.clock.advance(by: 61 * 3600)  // inside the 12h warning window of the 72h TTL
        _ = await reconciler.reconcile(Make.key(1))
        #expect(
            await rig.reporter.comments[Make.key(1)]?.notice?.contains("expires at \(RFC3339.string(Make.epoch.addingTimeInterval(72 * 3600)))")
                == true)
        #expect(await rig.sink.previews[Make.key(1)] != nil)

        rig.clock.advance(by: 12 * 3600)  // past the TTL
        #expect(
            await reconciler.reconcile(Make.key(1))
                == .settled("torn down: it expired at \(RFC3339.string(Make.epoch.addingTimeInterval(72 * 3600)))"))
        #expect(await rig.sink.previews[Make.key(1)] == nil)
        #expect(await rig.reporter.comments[Make.key(1)]?.teardown != nil)

        _ = await reconciler.reconcile(Make.key(2))
        #expect(await rig.sink.previews[Make.key(2)] != nil, "the preserve label keeps it past the TTL")
        #expect(await rig.reporter.comments[Make.key(2)]?.notice?.contains("Pinned by the preserve label") == true)
        rig.clock.advance(by: 14 * 86400)
        _ = await reconciler.reconcile(Make.key(2))
        #expect(await rig.sink.previews[Make.key(2)] == nil, "the pin ends at preserve.max")
    }

    @Test func nothingIsTornDownWithoutAPerPRReadThatProvesIt() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1))
        let reconciler = rig.reconciler()
        _ = await reconciler.reconcile(Make.key(1))

        await rig.source.failRead(Make.key(1), InjectedFailure("GitHub is down"))
        #expect(await reconciler.reconcile(Make.key(1)) == .failed("reading the pull request: injected failure: GitHub is down"))
        await rig.source.failRead(Make.key(1), nil)
        await rig.source.remove(Make.key(1))  // 404
        guard case .settled = await reconciler.reconcile(Make.key(1)) else {
            Issue.record("a 404 must settle without a teardown")
            return
        }
        #expect(await rig.sink.teardownCalls.isEmpty)
        #expect(await rig.sink.previews[Make.key(1)] != nil)
    }

    @Test func anUnknownLabelAdderIsRetriedNotDeployed() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1, labelGrant: nil))
        guard case .failed(let why) = await rig.reconciler().reconcile(Make.key(1)) else {
            Issue.record("expected a retry")
            return
        }
        #expect(why.contains("who added the label"))
        #expect(await rig.sink.applyCalls == 0)
    }

    @Test func aSinkFailureIsRetriedAndAReportingFailureToo() async throws {
        let rig = try UnitRig.make()
        await rig.source.put(Make.pr(1))
        await rig.sink.failWrites(InjectedFailure("API server unavailable"))
        let outcome = await rig.reconciler().reconcile(Make.key(1))
        #expect(outcome == .failed("apply to namespace pr-1-shop: injected failure: API server unavailable"))
        await rig.sink.failWrites(nil)
        // GitHub failing does not hold the environment back; the report is retried.
        await rig.reporter.fail(InjectedFailure("secondary rate limit"))
        guard case .failed = await rig.reconciler().reconcile(Make.key(1)) else {
            Issue.record("a reporting failure is retried")
            return
        }
        #expect(await rig.sink.previews[Make.key(1)] != nil)
        await rig.reporter.fail(nil)
        #expect(await rig.reconciler().reconcile(Make.key(1)) == .settled("ready at \(Make.sha.prefix(7))"))
    }
}

@Suite("Reconciler with a database")
struct ReconcilerDatabaseTests {
    @Test func theDatabaseIsEnsuredBeforeTheApplyAndDroppedAfterTheTeardown() async throws {
        let databases = FakeDatabases()
        let rig = try UnitRig.make(databases: databases)
        await rig.source.put(Make.pr(1))
        let reconciler = rig.reconciler()
        #expect(await reconciler.reconcile(Make.key(1)) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await databases.ensured == [Make.key(1)])
        let applied = try #require(await rig.sink.previews[Make.key(1)])
        #expect(applied.objects.contains { $0.kind == "Secret" && $0.name == DatabaseCredentials.secretName })

        // Unchanged: the same credentials give the same content hash, so nothing is re-applied.
        #expect(await reconciler.reconcile(Make.key(1)) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.applyCalls == 1)

        await rig.source.put(Make.pr(1, state: .closed))
        _ = await reconciler.reconcile(Make.key(1))
        let names = PreviewNames(key: Make.key(1), settings: rig.config.repositories[0].settings)
        #expect(await databases.dropped == [names.databaseIdentifier])
    }

    @Test func aFailingSeedIsReportedOnTheSeedStatusAndNothingIsApplied() async throws {
        let databases = FakeDatabases()
        await databases.failSeed("seed db/seed.sql:3: syntax error at or near \"SELEC\"")
        let rig = try UnitRig.make(databases: databases)
        await rig.source.put(Make.pr(1))
        guard case .settled(let why) = await rig.reconciler().reconcile(Make.key(1)) else {
            Issue.record("a failing seed needs a fix in the PR, not a retry")
            return
        }
        #expect(why.contains("db/seed.sql:3"))
        #expect(await rig.sink.applyCalls == 0)
        let statuses = await rig.reporter.statuses[Make.sha]
        #expect(statuses?[.seed]?.state == .failure)
        #expect(statuses?[.seed]?.description.contains("db/seed.sql:3: syntax error") == true)
        #expect(statuses?[.deploy]?.state == .failure)
    }
}

/// A sink whose namespace for every preview belongs to someone else.
struct ConflictingSink: ForwardingSink {
    let base: FakeSink
    func claim(_ preview: RenderedPreview) async throws { throw KubernetesError.nameConflict(namespace: preview.names.namespace) }
}

@Suite("Reconciler: the namespace is claimed first")
struct ClaimFirstTests {
    /// A database used to be provisioned for a PR whose namespace then failed with NameConflict,
    /// and was left behind: the claim now comes before any other side effect.
    @Test func aNameConflictProvisionsNoDatabaseAndAppliesNothing() async throws {
        let databases = FakeDatabases()
        let rig = try UnitRig.make(databases: databases)
        var dependencies = rig.dependencies
        dependencies.sink = PreviewSink(ConflictingSink(base: rig.sink))
        await rig.source.put(Make.pr(1))
        let outcome = await Reconciler(dependencies: dependencies).reconcile(Make.key(1))
        guard case .settled(let why) = outcome else {
            Issue.record("a name conflict needs a human: \(outcome)")
            return
        }
        #expect(why.contains("pr-1-shop"), "\(why)")
        #expect(await databases.ensured.isEmpty, "no database for a preview that cannot have its namespace")
        #expect(await rig.sink.applyCalls == 0)
        let status = await rig.reporter.statuses[Make.sha]?[.deploy]
        #expect(status?.state == .failure)
        #expect(status?.description.contains("pr-1-shop") == true)
    }
}

@Suite("sandcastle plan shows the controller's steps")
struct PlanMatchesControllerTests {
    /// The same deliveries through the reconciler (fake forge and sink) and through `EventReplay`
    /// (what `sandcastle plan` prints) give the same steps in the same order.
    @Test func theReplayTakesTheStepsTheReconcilerTakes() async throws {
        let rig = try UnitRig.make()
        let taken = LockedValue([String]())
        var dependencies = rig.dependencies
        dependencies.onStep = { _, step in taken.withLock { $0.append(step.description) } }
        let reconciler = Reconciler(dependencies: dependencies)
        var replay = EventReplay(config: rig.config, assumedPermission: .write) { key, sha, settings in
            let rendered = try Renderer().render(
                RenderContext(key: key, sha: sha, settings: settings), bundleDirectory: rig.bundle.path + "/" + settings.bundle.path)
            return RenderSummary(sha: sha, contentHash: rendered.contentHash)
        }
        let second = String(repeating: "b", count: 40)
        let deliveries: [(String, PullRequestSnapshot)] = [
            ("opened", Make.pr(1)), ("synchronize", Make.pr(1, sha: second)), ("synchronize", Make.pr(1, sha: second)),
            ("closed", Make.pr(1, state: .closed, sha: second)),
        ]
        for (action, pr) in deliveries {
            await rig.source.put(pr)
            taken.withLock { $0 = [] }
            _ = await reconciler.reconcile(pr.key)
            let replayed = replay.replay(name: action, event: .pullRequest(action: action, snapshot: pr, sender: "maintainer", label: nil))
            #expect(replayed.steps.map(\.description) == taken.withLock { $0 }, "\(action)")
            #expect(!replayed.steps.isEmpty)
        }
    }
}

/// A sink whose namespace was taken over by someone else after the preview was created.
struct ForeignNamespaceSink: ForwardingSink {
    let base: FakeSink
    func deleteNamespace(_ key: PreviewKey, reason: String) async throws { throw KubernetesError.nameConflict(namespace: "pr-\(key.number)-shop") }
}

@Suite("Reconciler: a teardown that needs a human")
struct StalledTeardownTests {
    @Test func aNamespaceThatIsNoLongerOursStopsTheTeardownWithoutALoop() async throws {
        let rig = try UnitRig.make()
        var dependencies = rig.dependencies
        dependencies.sink = PreviewSink(ForeignNamespaceSink(base: rig.sink))
        let steps = LockedValue(0)
        dependencies.onStep = { _, _ in steps.withLock { $0 += 1 } }
        let reconciler = Reconciler(dependencies: dependencies)
        await rig.source.put(Make.pr(1))
        _ = await reconciler.reconcile(Make.key(1))
        await rig.source.put(Make.pr(1, state: .closed))
        steps.withLock { $0 = 0 }
        let outcome = await reconciler.reconcile(Make.key(1))
        #expect(outcome == .settled("stalled: teardown: \(KubernetesError.nameConflict(namespace: "pr-1-shop"))"), "\(outcome)")
        #expect(steps.withLock { $0 } == 1, "one attempt, no loop")
        #expect(await rig.sink.previews[Make.key(1)] != nil, "nothing is forgotten")
    }
}
