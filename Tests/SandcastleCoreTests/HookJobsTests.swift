import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Hook Jobs: configured or annotated in the bundle, held back from the apply, named for the
/// commit, carrying the preview's environment; their output shown inert and without secrets.
@Suite struct HookJobsTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func settings(database: Bool = false, seed: JobHook? = nil) -> PreviewSettings {
        var settings = PreviewSettings.builtin
        settings.domain = "preview.test"
        settings.database.enabled = database
        settings.hooks.seed = seed
        if !settings.bundle.allowedKinds.contains("Job") { settings.bundle.allowedKinds.append("Job") }
        return settings
    }

    static func render(_ yaml: String, settings: PreviewSettings = HookJobsTests.settings()) throws(RenderError) -> RenderedPreview {
        let documents = try! ManifestYAML.parseDocuments(yaml).compactMap(\.object)
        let bundle = documents.map { Manifest(object: $0, source: "app.yaml") }
        let context = RenderContext(key: Make.key(4), sha: sha, settings: settings)
        return try Renderer().assemble(bundle, context: context)
    }

    static func job(_ name: String, hook: String?, kind: String = "Job", env: String = "") -> String {
        """
        apiVersion: \(kind == "Job" ? "batch/v1" : "v1")
        kind: \(kind)
        metadata:
          name: \(name)
          \(hook.map { "annotations: {sandcastle.dev/hook: \($0)}" } ?? "")
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox, \(env)}]
        """
    }

    @Test func anAnnotatedJobIsHeldBackNamedForTheCommitAndGivenThePreviewsEnvironment() throws {
        let rendered = try Self.render(
            Self.job("load-fixtures", hook: "seed", env: "env: [{name: SANDCASTLE_URL, value: 'https://evil.example'}, {name: MODE, value: full}]"))
        #expect(!rendered.objects.contains { $0.kind == "Job" }, "not applied with the preview")
        let hook = try #require(rendered.hooks.first)
        #expect(hook.stage == .seed)
        #expect(hook.manifest.name == "load-fixtures-0123456")
        #expect(hook.manifest.metadata["annotations"] == nil, "the hook annotation is consumed")
        #expect(hook.manifest.metadata["labels"]?.object?["sandcastle.dev/sha"] == .string(Self.sha))
        let container = try #require(hook.manifest.object.value(at: "spec.template.spec.containers")?.array?.first?.object)
        let env = (container["env"]?.array ?? []).compactMap { $0.object }
        #expect(
            env.filter { $0["name"] == "SANDCASTLE_URL" }.map { $0["value"] } == ["https://shop-pr-4.preview.test"], "the PR cannot spoof its address"
        )
        #expect(env.contains { $0["name"] == "MODE" && $0["value"] == "full" }, "the Job's own entries stay")
        #expect(container["terminationMessagePolicy"] == "FallbackToLogsOnError")
        #expect(hook.manifest.object.value(at: "spec.activeDeadlineSeconds") == .int(HookJobs.defaultDeadlineSeconds))
        #expect(!rendered.contentHash.isEmpty)
    }

    @Test func aBundleVerifyJobTakesItsDelayFromItsAnnotation() throws {
        let yaml = Self.job("check", hook: "verify").replacingOccurrences(of: "hook: verify}", with: "hook: verify, sandcastle.dev/hook-delay: 90s}")
        let hook = try #require(try Self.render(yaml).hooks.first)
        #expect(hook.delay == ConfigDuration(seconds: 90))
        #expect(hook.manifest.metadata["annotations"] == nil)
    }

    @Test func withADatabaseEveryHookContainerLoadsItsSecret() throws {
        let rendered = try Self.render(Self.job("check", hook: "verify"), settings: Self.settings(database: true))
        let container = try #require(rendered.hooks.first?.manifest.object.value(at: "spec.template.spec.containers")?.array?.first?.object)
        #expect(container["envFrom"] == [["secretRef": ["name": .string(DatabaseCredentials.secretName)]]])
    }

    @Test func aLongJobNameIsShortenedToKeepTheCommit() throws {
        let rendered = try Self.render(Self.job(String(repeating: "a", count: 60), hook: "verify"))
        let name = try #require(rendered.hooks.first?.manifest.name)
        #expect(name.count <= 63)
        #expect(name.hasSuffix("-0123456"))
    }

    @Test(arguments: [
        (HookJobsTests.job("x", hook: "seed", kind: "ConfigMap"), "ConfigMap/x (app.yaml): 'sandcastle.dev/hook' is only allowed on a batch/v1 Job"),
        (HookJobsTests.job("x", hook: "migrate"), "Job/x (app.yaml): 'sandcastle.dev/hook: migrate' must be 'seed' or 'verify'"),
        (
            HookJobsTests.job("a", hook: "seed") + "\n---\n" + HookJobsTests.job("b", hook: "seed"),
            "Job/a (app.yaml), Job/b (app.yaml): more than one seed hook"
        ),
        (
            HookJobsTests.job("x", hook: "seed").replacingOccurrences(of: "hook: seed}", with: "hook: seed, sandcastle.dev/hook-delay: 30s}"),
            "Job/x (app.yaml): 'sandcastle.dev/hook-delay' applies to the verify hook only"
        ),
        (
            HookJobsTests.job("x", hook: "verify").replacingOccurrences(of: "hook: verify}", with: "hook: verify, sandcastle.dev/hook-delay: soon}"),
            "Job/x (app.yaml): 'sandcastle.dev/hook-delay: soon' must be a duration of at most 1h"
        ),
    ])
    func invalidHooksAreRefusedNamingTheObject(yaml: String, message: String) {
        #expect(throws: RenderError.self) { try Self.render(yaml) }
        do {
            _ = try Self.render(yaml)
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func aConfiguredSeedAndAnAnnotatedSeedConflict() {
        let settings = Self.settings(seed: JobHook(image: "seed", command: ["/seed"], timeout: ConfigDuration(seconds: 60)))
        do {
            _ = try Self.render(Self.job("fixtures", hook: "seed"), settings: settings)
            Issue.record("expected a conflict")
        } catch {
            #expect(error.description.contains("hooks.seed in the configuration"), "\(error.description)")
        }
    }

    @Test func outputIsShownInAFenceItCannotCloseAndCredentialsAreMasked() {
        let text = """
            connecting to postgres://app:s3cr3t@db:5432/app
            Authorization: Bearer abcdefghijklmnop
            token ghp_0123456789abcdefghijABCDEFGHIJ
            {"password": "hunter2", "count": 0}
            ```` </details> <img src=x onerror=alert(1)>
            """
        let redacted = HookOutputText.redact(text)
        for secret in ["s3cr3t", "abcdefghijklmnop", "ghp_0123456789", "hunter2"] { #expect(!redacted.contains(secret), "\(secret) in \(redacted)") }
        #expect(redacted.contains("\"count\": 0"), "other text stays")
        var comment = PreviewComment(key: Make.key(4), url: "https://x", sha: Self.sha)
        comment.hookOutputs = [.init(stage: "verify", job: "v-0123456", namespace: "pr-4-shop", text: redacted)]
        let body = comment.markdown
        let open = try! #require(body.range(of: "`````text\n"))
        let close = try! #require(body.range(of: "\n`````\n", range: open.upperBound..<body.endIndex))
        let inside = body[open.upperBound..<close.lowerBound]
        #expect(inside.contains("</details> <img"), "the PR's HTML is inside the code block, inert")
        #expect(body.hasSuffix("</details>"))
    }

    @Test func onlyTheTailOfALongOutputIsShown() {
        let lines = (1...500).map { "line \($0)" }.joined(separator: "\n")
        let block = PreviewComment.codeBlock(lines)
        #expect(block.count <= PreviewComment.maxOutputLines + 2)
        #expect(block.dropLast().last == "line 500")
    }
}
