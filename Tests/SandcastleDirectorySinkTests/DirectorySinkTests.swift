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

    /// The pieces together: plan against the sink, execute, and plan again.
    @Test func planApplyPlanConverges() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let sink = DirectorySink(root: dir.path)
        let source = FakePullRequestSource([Make.pr(7, repository: Self.blog), Make.pr(8, repository: Self.blog, state: .closed)])
        let now = Make.epoch.addingTimeInterval(60)

        func pass() async throws -> [Action] {
            var desired: [DesiredPreview] = []
            for number in [7, 8] {
                let key = PreviewKey(repository: Self.blog, number: number)
                let observation = await PullRequestObservation.reading { try await source.pullRequest(key) }
                let render = try Self.render(number, sha: Make.sha)
                desired.append(
                    DesiredPreview(
                        key: key, observation: observation, settings: Self.settings,
                        render: RenderSummary(sha: render.sha, contentHash: render.contentHash)))
            }
            let actions = Planner.plan(desired: DesiredState(previews: desired), observed: .environments(try await sink.environments()), now: now)
            for action in actions {
                switch action {
                case .create(let key, _), .update(let key, _, _): try await sink.apply(try Self.render(key.number, sha: Make.sha))
                case .teardown(let key, _): try await sink.teardown(key)
                default: break
                }
            }
            return actions
        }

        let first = try await pass()
        #expect(first.count == 1)
        guard case .create(let key, _) = first[0] else { Issue.record("expected a create, got \(first)"); return }
        #expect(key.number == 7)
        #expect(try await pass() == [.report(key, .upToDate(sha: Make.sha))], "a second pass changes nothing")

        await source.put(Make.pr(7, repository: Self.blog, state: .closed))
        #expect(try await pass() == [.teardown(key, .closed)])
        #expect(try await sink.environments().isEmpty)
    }
}
