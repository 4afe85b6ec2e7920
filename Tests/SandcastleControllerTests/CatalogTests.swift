import Foundation
import SandcastleController
import SandcastleCore
import SandcastleTestSupport
import Testing

/// The controller asks the repository catalog at each use: a repository added while running gets
/// previews; one removed has its previews torn down by the confirmed path, under the breaker.
@Suite("The controller follows the repository catalog at run time")
struct CatalogTests {
    static let blog = RepositoryName(owner: "acme", name: "blog")

    /// The rig's dependencies over a catalog the test replaces, and that catalog.
    static func rig() throws -> (UnitRig, ControllerDependencies, RepositoryList) {
        let rig = try UnitRig.make()
        let catalog = RepositoryList(rig.config)
        var dependencies = rig.dependencies
        dependencies.catalog = catalog
        return (rig, dependencies, catalog)
    }

    /// The shop's settings, served for `blog` too.
    static func withBlog(_ rig: UnitRig) -> [RepositoryConfig] {
        rig.config.repositories + [RepositoryConfig(name: blog, settings: rig.config.repositories[0].settings)]
    }

    @Test func aRepositoryAddedAtRunTimeGetsPreviewsAndOneRemovedIsTornDownAfterAPerPRRead() async throws {
        let (rig, dependencies, catalog) = try Self.rig()
        let reconciler = Reconciler(dependencies: dependencies)
        let enqueued = LockedValue([PreviewKey]())
        let resync = Resync(dependencies: dependencies) { key in enqueued.withLock { $0.append(key) } }
        let key = Make.key(7, Self.blog)
        await rig.source.put(Make.pr(7, repository: Self.blog))

        // Not served: nothing is created for its PRs.
        #expect(await reconciler.reconcile(key) == .settled("nothing to do: the repository is not served by Sandcastle (any more)"))
        #expect(await rig.sink.previews[key] == nil)

        // Served from now on, without a restart: its labelled PR gets a preview.
        catalog.replace(with: Self.withBlog(rig))
        #expect(await reconciler.reconcile(key) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await rig.sink.previews[key] != nil)
        #expect(await resync.pass().failedRepositories.isEmpty)

        // Removed: the next resync hands its preview back, and a per-PR read tears it down.
        catalog.replace(with: rig.config.repositories)
        enqueued.withLock { $0 = [] }
        let report = await resync.pass()
        #expect(report.breaker == nil)
        #expect(enqueued.withLock { $0 } == [key])
        #expect(await reconciler.reconcile(key) == .settled("torn down: the repository is not served by Sandcastle (any more)"))
        #expect(await rig.sink.previews[key] == nil)
        #expect(await rig.sink.teardownCalls == [key])
        let receipt = await rig.reporter.comments[key]?.markdown ?? ""
        #expect(receipt.contains("not served by Sandcastle"), "\(receipt)")

        // A removed repository whose PR cannot be read is not torn down on a guess.
        catalog.replace(with: Self.withBlog(rig))
        #expect(await reconciler.reconcile(key) == .settled("ready at \(Make.sha.prefix(7))"))
        catalog.replace(with: rig.config.repositories)
        await rig.source.failRead(key, InjectedFailure("GitHub unavailable"))
        guard case .failed = await reconciler.reconcile(key) else {
            Issue.record("an unreadable PR is retried, not torn down")
            return
        }
        #expect(await rig.sink.previews[key] != nil)
    }

    @Test func aRepositoryAddedWithADatabaseGetsItsProvisionerWithoutARestart() async throws {
        let (rig, served, catalog) = try Self.rig()
        var dependencies = served
        let databases = FakeDatabases()
        let made = LockedValue([RepositoryName]())
        dependencies.databases = DatabaseProvisioners { repository in
            made.withLock { $0.append(repository.name) }
            return databases
        }
        var settings = rig.config.repositories[0].settings
        settings.database.enabled = true
        catalog.replace(with: rig.config.repositories + [RepositoryConfig(name: Self.blog, settings: settings)])
        let key = Make.key(3, Self.blog)
        await rig.source.put(Make.pr(3, repository: Self.blog))
        let reconciler = Reconciler(dependencies: dependencies)
        #expect(await reconciler.reconcile(key) == .settled("ready at \(Make.sha.prefix(7))"))
        #expect(await databases.ensured == [key])
        _ = await reconciler.reconcile(key)
        #expect(made.withLock { $0 } == [Self.blog], "made once, then kept")
    }

    @Test func removingARepositoryWithManyPreviewsTripsTheMassDeletionBreaker() async throws {
        let (rig, dependencies, catalog) = try Self.rig()
        catalog.replace(with: Self.withBlog(rig))
        let reconciler = Reconciler(dependencies: dependencies)
        for number in 1...4 {
            await rig.source.put(Make.pr(number, repository: Self.blog))
            _ = await reconciler.reconcile(Make.key(number, Self.blog))
        }
        await rig.source.put(Make.pr(1))
        _ = await reconciler.reconcile(Make.key(1))
        #expect(try await rig.sink.environments().count == 5)
        catalog.replace(with: rig.config.repositories)
        let enqueued = LockedValue([PreviewKey]())
        let report = await Resync(dependencies: dependencies) { key in enqueued.withLock { $0.append(key) } }.pass()
        #expect(report.breaker != nil, "4 of 5 live previews unconfirmed at once")
        #expect(enqueued.withLock { $0 }.allSatisfy { $0.repository != Self.blog })
        #expect(try await rig.sink.environments().count == 5, "nothing torn down")
    }
}
