import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// End-to-end tests of the `sandcastle` executable: arguments, output and exit codes.
@Suite struct CLITests {
    static let root = repositoryRoot(from: #filePath)
    static let example = root + "/examples/sandcastle.yaml"
    static let shopBundle = root + "/examples/shop/deploy/preview"
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func run(_ arguments: String...) throws -> Subprocess.Result { try SandcastleExecutable.run(arguments, in: root) }

    @Test(arguments: [[], ["validate"], ["render"], ["plan"]])
    func helpOnEveryCommand(command: [String]) throws {
        let result = try SandcastleExecutable.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE:"))
    }

    @Test func validateAcceptsTheExample() throws {
        let result = try Self.run("validate", "-c", Self.example)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("acme/shop: namespace pr-1-shop, host shop-pr-1.preview.acme.dev"))
    }

    @Test(arguments: [
        ("    colour: blue\n", "repositories[0].colour: unknown key 'colour'"),
        ("    ttl: 3 days\n", ":5: repositories[0].ttl: '3 days' is not a duration"),
        ("    hostTemplate: \"{{repo}}-{{number}}-{{branch}}\"\n", "repositories[0].hostTemplate: unknown variable 'branch'"),
    ])
    func invalidConfigExitsOne(snippet: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "sandcastle.yaml": "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories:\n  - name: acme/shop\n" + snippet
        ])
        for command in [
            ["validate"], ["render", "--repo", "acme/shop", "--pr", "1", "--sha", Self.sha, "--bundle", Self.shopBundle, "-o", dir.path + "/out"],
        ] {
            let result = try SandcastleExecutable.run(command + ["-c", dir.path + "/sandcastle.yaml"])
            #expect(result.status == 1)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.contains(dir.path + "/sandcastle.yaml"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/out"), "nothing is written")
    }

    @Test func renderPrintsAPinnedNamespacedStream() throws {
        let result = try Self.run("render", "-c", Self.example, "--repo", "acme/shop", "--pr", "42", "--sha", Self.sha, "--bundle", Self.shopBundle)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try ManifestYAML.parseDocuments(result.stdout).compactMap(\.object)
        #expect(objects.count == 14)
        #expect(objects.first?["kind"] == "Namespace")
        for object in objects.dropFirst() {
            #expect(object["metadata"]?.object?["namespace"] == "pr-42-shop")
        }
        #expect(result.stdout.contains("image: ghcr.io/acme/shop@sha256:4b3b4c8e"))
        #expect(!result.stdout.contains(":latest"))
    }

    @Test func renderWritesOneFilePerObject() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["out/001-stale-file.yaml": "old", "out/notes.txt": "kept"])
        let result = try Self.run(
            "render", "-c", Self.example, "--repo", "acme/shop", "--pr", "42", "--sha", Self.sha, "--bundle", Self.shopBundle, "-o", dir.path + "/out"
        )
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").sorted()
        #expect(files.first == "001-namespace-pr-42-shop.yaml")
        #expect(files.contains("notes.txt") && !files.contains("001-stale-file.yaml"))
        #expect(files.count == 15)
    }

    @Test(arguments: [
        (
            "ClusterRole", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: admin-ish }\n",
            "cluster-scoped kind ClusterRole"
        ),
        (
            "foreign namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: kube-system }\n",
            "hard-coded namespace 'kube-system'"
        ),
    ])
    func contractViolationsExitOneAndWriteNothing(_ name: String, manifest: String, message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["bundle/kustomization.yaml": "resources: [bad.yaml]\n", "bundle/bad.yaml": manifest])
        let result = try Self.run(
            "render", "-c", Self.example, "--repo", "acme/shop", "--pr", "42", "--sha", Self.sha, "--bundle", dir.path + "/bundle", "-o",
            dir.path + "/out")
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/out"))
    }

    @Test(arguments: [
        ["render", "-c", "x.yaml"],
        ["render", "-c", "examples/sandcastle.yaml", "--repo", "acme/shop", "--pr", "1", "--sha", "main", "--bundle", "."],
        [
            "render", "-c", "examples/sandcastle.yaml", "--repo", "acme", "--pr", "1", "--sha", "0123456789abcdef0123456789abcdef01234567",
            "--bundle", ".",
        ],
        [
            "render", "-c", "examples/sandcastle.yaml", "--repo", "acme/shop", "--pr", "0", "--sha", "0123456789abcdef0123456789abcdef01234567",
            "--bundle", ".",
        ],
        [
            "render", "-c", "examples/sandcastle.yaml", "--repo", "acme/shop", "--pr", "1", "--sha", "0123456789abcdef0123456789abcdef01234567",
            "--bundle", ".", "--image", "nginx:1.0=sha256:x",
        ],
        ["frobnicate"],
        ["plan", "-c", "examples/sandcastle.yaml", "--events", ".", "--assume-permission", "god"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try SandcastleExecutable.run(arguments, in: Self.root)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func unconfiguredRepositoryExitsOne() throws {
        let result = try Self.run("render", "-c", Self.example, "--repo", "acme/other", "--pr", "1", "--sha", Self.sha, "--bundle", Self.shopBundle)
        #expect(result.status == 1)
        #expect(result.stderr.contains("repository 'acme/other' is not configured"))
    }

    @Test func missingConfigFileExitsOne() throws {
        let result = try Self.run("validate", "-c", "/nonexistent/sandcastle.yaml")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/sandcastle.yaml: cannot read the file"))
    }

    static let replayConfig = """
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig
        defaults:
          trigger: { labels: [bug] }
          ttl: 100000d
          expiryWarning: 1d
          preserve: { max: 100000d }
          bundle: { kind: manifests }
        repositories:
          - name: Codertocat/Hello-World
        """

    @Test func planReplaysTheRecordedDeliveries() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["sandcastle.yaml": Self.replayConfig])
        let events = dir.path + "/events"
        try FileManager.default.createDirectory(atPath: events, withIntermediateDirectories: true)
        let order = [
            "pull_request.opened.payload.json", "pull_request.synchronize.payload.json", "ping.payload.json",
            "pull_request.converted_to_draft.payload.json", "pull_request.ready_for_review.payload.json",
            "push.payload.json", "pull_request.closed.payload.json",
        ]
        for (index, name) in order.enumerated() {
            try Fixtures.data("github-webhooks/" + name).write(
                to: URL(fileURLWithPath: events + "/" + name.replacingOccurrences(of: ".payload", with: ".\(index)")))
        }
        let result = try SandcastleExecutable.run(["plan", "-c", dir.path + "/sandcastle.yaml", "--events", events])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("ping.2.json: ping"))
        #expect(lines.contains("push.5.json: push event"))
        // Name order: ping, closed, converted_to_draft, opened, ready_for_review, synchronize, push.
        let actions = lines.filter { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(
            actions == [
                "nothing to do",
                "→ settled: nothing to do: the pull request is closed",
                "→ settled: nothing to do: the pull request is a draft",
                "render the bundle at ec26c3e",
                "claim the namespace (environment record first)",
                "apply ec26c3e (content ec26c3e57ca3): new preview",
                "record Ready: ready at https://hello-world-pr-2.preview.localhost",
                "report ready: https://hello-world-pr-2.preview.localhost",
                "→ settled: ready at ec26c3e",
                "render the bundle at ec26c3e",
                "→ settled: ready at ec26c3e",
                "render the bundle at ec26c3e",
                "→ settled: ready at ec26c3e",
                "nothing to do",
            ], "\(result.stdout)")
    }

    @Test func planShowsCreateThenTeardownInDeliveryOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["sandcastle.yaml": Self.replayConfig])
        let events = dir.path + "/events"
        try FileManager.default.createDirectory(atPath: events, withIntermediateDirectories: true)
        for (index, name) in [
            "pull_request.opened.payload.json", "pull_request.converted_to_draft.payload.json", "pull_request.ready_for_review.payload.json",
            "pull_request.closed.payload.json",
        ].enumerated() {
            try Fixtures.data("github-webhooks/" + name).write(to: URL(fileURLWithPath: events + "/0\(index)-" + name))
        }
        let result = try SandcastleExecutable.run([
            "plan", "-c", dir.path + "/sandcastle.yaml", "--events", events, "--bundle", Self.root + "/examples/blog/deploy/preview",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let actions = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
        // The steps the controller takes: deploy, tear down for the draft, deploy again, tear down for the close.
        let steps = actions.map { $0.components(separatedBy: ":").first ?? "" }.filter {
            $0.hasPrefix("apply") || $0.hasPrefix("delete the namespace") || $0.hasPrefix("report torn down") || $0.hasPrefix("forget")
        }
        #expect(steps.count == 8, "\(result.stdout)")
        #expect(steps.filter { $0.hasPrefix("apply ec26c3e") }.count == 2)
        #expect(actions.contains("delete the namespace: the pull request is a draft"))
        #expect(actions.contains("delete the namespace: the pull request is closed"))
        #expect(actions.last == "→ settled: torn down: the pull request is closed", "\(result.stdout)")
        #expect(
            actions.firstIndex(of: "report torn down: the pull request is closed")! < actions.lastIndex(
                of: "forget the environment (teardown complete)")!)
    }

    /// The scout example: its hooks live in the bundle; they render held back, pinned and named
    /// for the commit, and `sandcastle plan` shows them after the apply, seed before verify.
    @Test func theScoutExampleRendersItsHooksAndPlansThemInOrder() throws {
        let sha = String(repeating: "c", count: 40)
        let render = try SandcastleExecutable.run([
            "render", "-c", Self.root + "/examples/scout/sandcastle.yaml", "--repo", "acme/scout", "--pr", "42", "--sha", sha, "--bundle",
            Self.root + "/examples/scout/deploy/preview",
        ])
        #expect(render.status == 0, "\(render.stderr)")
        let documents = try ManifestYAML.parseDocuments(render.stdout).compactMap(\.object)
        let jobs = documents.filter { $0["kind"] == "Job" }
        #expect(jobs.compactMap { $0.value(at: "metadata.name")?.string } == ["seed-fixtures-ccccccc", "verify-count-ccccccc"])
        for job in jobs {
            let container = job.value(at: "spec.template.spec.containers")?.array?.first?.object
            #expect(container?["image"]?.string?.hasPrefix("docker.io/curlimages/curl@sha256:") == true, "pinned")
            #expect(
                container?["env"]?.array?.contains { $0.object?["name"] == "SANDCASTLE_NAMESPACE" && $0.object?["value"] == "pr-42-scout" } == true)
        }
        let plan = try SandcastleExecutable.run([
            "plan", "-c", Self.root + "/examples/scout/sandcastle.yaml", "--events", Self.root + "/examples/scout/events", "--bundle",
            Self.root + "/examples/scout/deploy/preview",
        ])
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let apply = try #require(lines.firstIndex { $0.hasPrefix("apply ec26c3e") })
        let ready = try #require(lines.firstIndex { $0.hasPrefix("record Ready") })
        let seed = try #require(lines.firstIndex(of: "start the seed Job seed-fixtures-ec26c3e"), "\(plan.stdout)")
        let verify = try #require(lines.firstIndex(of: "start the verify Job verify-count-ec26c3e"), "\(plan.stdout)")
        #expect(apply < ready && ready < seed && seed < verify, "\(plan.stdout)")
        #expect(lines.contains("the verify Job starts after its delay (90.0 seconds)"))
        #expect(lines.contains { $0.contains("sandcastle/verify success") })
    }

    @Test func planRejectsAMalformedPayload() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["sandcastle.yaml": Self.replayConfig, "events/pull_request.broken.json": "{\"action\": \"opened\"}"])
        let result = try SandcastleExecutable.run(["plan", "-c", dir.path + "/sandcastle.yaml", "--events", dir.path + "/events"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("pull_request.broken.json: cannot decode 'pull_request' payload: missing field number"), "\(result.stderr)")
    }
}
