import Foundation
import SandcastleCore
import Yams

/// `examples/demo/scenario.yaml`: one PR's life, step by step, and the repository history it uses.
struct DemoScenario: Decodable {
    struct Commit: Decodable {
        var message: String
        /// A directory copied as the whole tree (relative to the scenario file).
        var from: String
        /// A directory copied over it.
        var overlay: String?
    }

    struct Step: Decodable {
        var title: String
        /// The `pull_request` action delivered.
        var action: String
        /// The PR's labels from this step on (unchanged when absent).
        var labels: [String]?
        /// The label of a `labeled`/`unlabeled` event.
        var label: String?
        /// 1-based commit of `commits` at the PR's head from this step on.
        var commit: Int?
        /// `open` or `closed`.
        var state: String?
        /// Whether the preview's folder should exist after the step: `present` or `absent`.
        var expect: String?
    }

    var repository: String
    var number: Int
    var author: String
    var permission: String
    var commits: [Commit]
    var steps: [Step]

    /// Reads and checks the scenario at `path`; errors name the file and the field.
    static func load(_ path: String) throws -> DemoScenario {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InvalidInput("\(path): cannot read the demo scenario")
        }
        let scenario: DemoScenario
        do {
            scenario = try YAMLDecoder().decode(DemoScenario.self, from: text)
        } catch {
            throw InvalidInput("\(path): not a demo scenario: \(error)")
        }
        guard RepositoryName(parsing: scenario.repository) != nil else { throw InvalidInput("\(path): repository: expected OWNER/NAME") }
        guard Permission(rawValue: scenario.permission) != nil else {
            throw InvalidInput("\(path): permission: expected one of \(Permission.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard !scenario.commits.isEmpty else { throw InvalidInput("\(path): commits: expected at least one commit") }
        for (index, step) in scenario.steps.enumerated() {
            if let commit = step.commit, !(1...scenario.commits.count).contains(commit) {
                throw InvalidInput("\(path): steps[\(index)].commit: expected 1 to \(scenario.commits.count), found \(commit)")
            }
            if let state = step.state, state != "open", state != "closed" {
                throw InvalidInput("\(path): steps[\(index)].state: expected open or closed, found \(state)")
            }
            if let expect = step.expect, expect != "present", expect != "absent" {
                throw InvalidInput("\(path): steps[\(index)].expect: expected present or absent, found \(expect)")
            }
        }
        return scenario
    }

    /// Builds the repository's history with real git in `directory`; returns the commit SHAs in order.
    func buildRepository(in directory: String, scenarioDirectory: String) throws -> [String] {
        guard let git = Subprocess.locate("git") else { throw InvalidInput("the demo needs git on PATH") }
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let environment = [
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "\(author)@example.invalid", "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": "\(author)@example.invalid", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        ]
        func run(_ arguments: [String]) throws -> String {
            let result = try Subprocess.run(git, arguments, in: directory, environment: environment)
            guard result.status == 0 else { throw InvalidInput("git \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try run(["init", "--quiet", "--initial-branch=main", "."])
        var shas: [String] = []
        for commit in commits {
            for entry in try fm.contentsOfDirectory(atPath: directory) where entry != ".git" {
                try fm.removeItem(atPath: directory + "/" + entry)
            }
            try Self.copyTree(scenarioDirectory + "/" + commit.from, into: directory)
            if let overlay = commit.overlay { try Self.copyTree(scenarioDirectory + "/" + overlay, into: directory) }
            _ = try run(["add", "--all", "."])
            _ = try run(["commit", "--quiet", "--allow-empty", "-m", commit.message])
            shas.append(try run(["rev-parse", "HEAD"]))
        }
        return shas
    }

    private static func copyTree(_ source: String, into target: String) throws {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: source) else { throw InvalidInput("\(source): no such directory") }
        while let relative = enumerator.nextObject() as? String {
            let from = source + "/" + relative, to = target + "/" + relative
            var isDirectory: ObjCBool = false
            _ = fm.fileExists(atPath: from, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else {
                if fm.fileExists(atPath: to) { try fm.removeItem(atPath: to) }
                try fm.copyItem(atPath: from, toPath: to)
            }
        }
    }
}
