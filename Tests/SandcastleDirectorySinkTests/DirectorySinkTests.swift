import Foundation
import SandcastleCore
import SandcastleDirectorySink
import SandcastleTestSupport
import Testing

@Suite struct DirectorySinkTests {
    static let root = repositoryRoot(from: #filePath)
    static let blog = RepositoryName(owner: "acme", name: "blog")
    static let settings = try! ConfigLoader.load(path: root + "/examples/sandcastle.yaml").repository(blog)!.settings
    static let bundle = root + "/examples/blog/deploy/preview"

    static func render(_ number: Int, sha: String = String(repeating: "a", count: 40), settings: PreviewSettings = DirectorySinkTests.settings) throws
        -> RenderedPreview
    {
        try Renderer().render(RenderContext(key: PreviewKey(repository: blog, number: number), sha: sha, settings: settings), bundleDirectory: bundle)
    }

    @Test func applyThenListThenTeardown() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let sink = DirectorySink(root: dir.path, now: { clock.now })
        let preview = try Self.render(7)
        try await sink.apply(preview)

        let listed = try await sink.environments()
        #expect(
            listed == [
                ObservedEnvironment(
                    key: preview.key, namespace: "pr-7-blog", sha: preview.sha, contentHash: preview.contentHash, createdAt: clock.now)
            ])
        #expect(dir.files().first == "pr-7-blog/.sandcastle/state.json")
        #expect(dir.files().contains("pr-7-blog/001-namespace-pr-7-blog.yaml"))

        try await sink.teardown(preview.key)
        #expect(try await sink.environments().isEmpty)
        #expect(dir.files().isEmpty)
    }

    @Test func reapplyReplacesFilesAndKeepsCreationTime() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let sink = DirectorySink(root: dir.path, now: { clock.now })
        let created = clock.now
        try await sink.apply(try Self.render(7))
        clock.advance(by: 600)
        var fewer = Self.settings
        fewer.networkPolicy.mode = .off
        let second = try Self.render(7, sha: String(repeating: "b", count: 40), settings: fewer)
        try await sink.apply(second)

        let listed = try await sink.environments()
        #expect(listed.map(\.contentHash) == [second.contentHash])
        #expect(listed.map(\.createdAt) == [created])
        #expect(!dir.files().contains { $0.contains("networkpolicy") }, "objects that left the set are gone")
        #expect(!dir.files().contains { $0.contains(".staging") })
    }

    @Test func foldersWithoutStateAreNeverAdoptedOrDeleted() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["pr-7-blog/handwritten.yaml": "kind: ConfigMap\n", "unrelated/notes.txt": "keep me"])
        let sink = DirectorySink(root: dir.path)
        let preview = try Self.render(7)
        await #expect {
            try await sink.apply(preview)
        } throws: { error in
            String(describing: error).contains("pr-7-blog exists but was not written by Sandcastle")
        }
        try await sink.teardown(preview.key)
        #expect(dir.files() == ["pr-7-blog/handwritten.yaml", "unrelated/notes.txt"])
        #expect(try await sink.environments().isEmpty)
    }

    @Test func teardownTouchesOnlyItsOwnPreview() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sink = DirectorySink(root: dir.path)
        try await sink.apply(try Self.render(7))
        try await sink.apply(try Self.render(8))
        try await sink.teardown(PreviewKey(repository: Self.blog, number: 7))
        #expect(try await sink.environments().map(\.key.number) == [8])
    }

    @Test func anUnreadableStateFailsTheWholeListing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sink = DirectorySink(root: dir.path)
        try await sink.apply(try Self.render(7))
        try await sink.apply(try Self.render(8))
        try dir.write(["pr-8-blog/.sandcastle/state.json": "{\"truncated\": "])
        await #expect {
            _ = try await sink.environments()
        } throws: { error in
            String(describing: error).contains("pr-8-blog/.sandcastle/state.json is not a readable Sandcastle state file")
        }
    }

    /// The pieces together: the planner's steps executed against the directory sink, observed
    /// again after each, until there is nothing left to do.
    @Test func theLifecycleConvergesOnADirectory() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sink = DirectorySink(root: dir.path)
        let source = FakePullRequestSource([Make.pr(7, repository: Self.blog)])
        let now = Make.epoch.addingTimeInterval(60)
        let key = PreviewKey(repository: Self.blog, number: 7)

        /// One reconcile: the steps taken and how it ended.
        func reconcile() async throws -> [String] {
            var facts = PreviewFacts(
                key: key, pullRequest: await PullRequestObservation.reading { try await source.pullRequest(key) },
                environment: try await sink.observe(key))
            var steps: [String] = []
            while true {
                let plan = Planner.next(facts, settings: Self.settings, now: now)
                guard let step = plan.step else { return steps + ["\(plan.ending)"] }
                steps.append(step.description.components(separatedBy: ":").first ?? "")
                switch step {
                case .render(let sha): facts.render = RenderSummary(sha: sha, contentHash: try Self.render(7, sha: sha).contentHash)
                case .claim: facts.claimed = true
                case .apply: try await sink.apply(try Self.render(7, sha: Make.sha))
                case .record(let status): try await sink.record(key, status: status)
                case .report(let report): try await sink.recordReported(key, report.record)
                case .deleteNamespace(let reason): try await sink.deleteNamespace(key, reason: reason)
                case .forget: try await sink.forget(key)
                case .provisionDatabase, .dropDatabase, .probe, .startHook: Issue.record("no database, HTTP check or hook is configured")
                }
                facts.environment = try await sink.observe(key)
                if case .forget = step { return steps }
            }
        }

        let first = try await reconcile()
        #expect(first.first == "render the bundle at a1a1a1a")
        #expect(first.contains { $0.hasPrefix("apply") } && first.last == "settled: ready at a1a1a1a", "\(first)")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/pr-7-blog")
        #expect(written.count > 5)
        #expect(try await reconcile() == ["render the bundle at a1a1a1a", "settled: ready at a1a1a1a"], "a second reconcile writes nothing")

        await source.put(Make.pr(7, repository: Self.blog, state: .closed))
        let teardown = try await reconcile()
        #expect(teardown == ["delete the namespace", "report torn down", "forget the environment (teardown complete)"], "\(teardown)")
        #expect(try await sink.environments().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/pr-7-blog"))
    }
}
