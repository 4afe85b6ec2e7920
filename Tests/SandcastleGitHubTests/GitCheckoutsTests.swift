import Foundation
import SandcastleCore
import SandcastleGitHub
import SandcastleTestSupport
import Testing

/// Checkouts from a real git repository over `file://`.
@Suite("Git checkouts")
struct GitCheckoutsTests {
    static let repository = RepositoryName(owner: "acme", name: "shop")

    /// A repository with `count` commits; returns its path and the commit SHAs.
    static func origin(commits count: Int) async throws -> (TemporaryDirectory, [String]) {
        let directory = try TemporaryDirectory()
        let git = try #require(Subprocess.locate("git"))
        let environment = [
            "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.invalid", "GIT_COMMITTER_NAME": "dev",
            "GIT_COMMITTER_EMAIL": "dev@example.invalid", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        ]
        func run(_ arguments: [String]) async throws -> String {
            let result = try await Subprocess.runDetached(git, arguments, in: directory.path, environment: environment)
            guard result.status == 0 else { throw GitCheckoutError("git \(arguments): \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try await run(["init", "--quiet", "--initial-branch=main", "."])
        var shas: [String] = []
        for index in 0..<count {
            try directory.write(["deploy/preview/app.yaml": "version: \(index)\n"])
            _ = try await run(["add", "--all", "."])
            _ = try await run(["commit", "--quiet", "-m", "commit \(index)"])
            shas.append(try await run(["rev-parse", "HEAD"]))
        }
        return (directory, shas)
    }

    /// Two workers fetching different commits of one repository at once used to race on its bare
    /// mirror (`fatal: shallow file has changed since we read it`).
    @Test func concurrentFetchesOfDifferentCommitsOfOneRepositoryAllSucceed() async throws {
        let (origin, shas) = try await Self.origin(commits: 8)
        defer { origin.remove() }
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let checkouts = try GitCheckouts(root: work.path, remote: .init(url: { _ in "file://" + origin.path }, token: { _ in nil }))
        let trees = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, sha) in shas.enumerated() {
                group.addTask { (index, try await checkouts.checkout(PreviewKey(repository: Self.repository, number: index + 1), sha: sha)) }
            }
            var trees: [Int: String] = [:]
            for try await (index, tree) in group { trees[index] = tree }
            return trees
        }
        for (index, tree) in trees {
            let text = try String(contentsOfFile: tree + "/deploy/preview/app.yaml", encoding: .utf8)
            #expect(text == "version: \(index)\n")
        }
    }

    @Test func aFailedFetchNamesTheGitCommandThatFailed() async throws {
        let (origin, _) = try await Self.origin(commits: 1)
        defer { origin.remove() }
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let checkouts = try GitCheckouts(root: work.path, remote: .init(url: { _ in "file://" + origin.path }, token: { _ in nil }))
        do {
            _ = try await checkouts.checkout(PreviewKey(repository: Self.repository, number: 1), sha: String(repeating: "0", count: 40))
            Issue.record("a commit that does not exist was fetched")
        } catch {
            let text = String(describing: error)
            #expect(text.contains("git fetch failed"), "\(text)")
            #expect(!text.contains("gc.auto"), "\(text)")
        }
    }
}
