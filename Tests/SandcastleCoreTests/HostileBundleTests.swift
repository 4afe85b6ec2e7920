import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// A PR's bundle is hostile input: every way it could make the controller fetch, read or expand
/// something is refused before Kustomize runs, naming the file and the field; and Kustomize itself
/// runs without a network and within limits. A loopback server stands in for an internal service:
/// it must receive no request.
@Suite struct HostileBundleTests {
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: b }\n"

    /// Each case: a kustomization (with `URL` for the recording server's address) and the
    /// location the refusal names.
    static let cases: [(kustomization: String, location: String)] = [
        ("resources: [app.yaml, URL/app.yaml]", "kustomization.yaml: resources[1]"),
        ("Resources: [URL/app.yaml]", "kustomization.yaml: Resources[0]"),
        ("resources: [app.yaml]\nRESOURCES: [app.yaml]", "kustomization.yaml: RESOURCES"),
        ("bases: [URL/base]", "kustomization.yaml: bases[0]"),
        ("components: [URL/component]", "kustomization.yaml: components[0]"),
        ("resources: [app.yaml]\nconfigMapGenerator: [{name: x, files: [URL/secret]}]", "kustomization.yaml: configMapGenerator[0].files[0]"),
        ("resources: [app.yaml]\nconfigMapGenerator: [{name: x, files: [token=URL/secret]}]", "kustomization.yaml: configMapGenerator[0].files[0]"),
        ("resources: [app.yaml]\nconfigMapGenerator: [{name: x, envs: [URL/env]}]", "kustomization.yaml: configMapGenerator[0].envs[0]"),
        ("resources: [app.yaml]\nsecretGenerator: [{name: x, env: URL/env}]", "kustomization.yaml: secretGenerator[0].env[0]"),
        ("resources: [app.yaml]\nsecretGenerator: [{name: x, files: [../../etc/passwd]}]", "kustomization.yaml: secretGenerator[0].files[0]"),
        ("resources: [app.yaml]\npatches: [{path: URL/patch.yaml}]", "kustomization.yaml: patches[0].path"),
        ("resources: [app.yaml]\npatchesStrategicMerge: [URL/patch.yaml]", "kustomization.yaml: patchesStrategicMerge[0]"),
        (
            "resources: [app.yaml]\npatchesJson6902: [{path: URL/patch.json, target: {kind: ConfigMap, name: c}}]",
            "kustomization.yaml: patchesJson6902[0].path"
        ),
        ("resources: [app.yaml]\nreplacements: [{path: URL/r.yaml}]", "kustomization.yaml: replacements[0].path"),
        ("resources: [app.yaml]\ncrds: [URL/crd.json]", "kustomization.yaml: crds[0]"),
        ("resources: [app.yaml]\nconfigurations: [URL/c.yaml]", "kustomization.yaml: configurations[0]"),
        ("resources: [app.yaml]\nopenapi: {path: URL/schema.json}", "kustomization.yaml: openapi"),
        ("resources: [app.yaml]\ngenerators: [gen.yaml]", "kustomization.yaml: generators"),
        ("resources: [app.yaml]\ntransformers: [t.yaml]", "kustomization.yaml: transformers"),
        ("resources: [app.yaml]\nhelmCharts: [{name: x, repo: URL}]", "kustomization.yaml: helmCharts"),
        ("resources: [github.com/evil/repo/deploy]", "kustomization.yaml: resources[0]"),
        ("resources: [git@github.com:evil/repo.git]", "kustomization.yaml: resources[0]"),
        ("resources: [gh:evil/repo]", "kustomization.yaml: resources[0]"),
        ("resources: [/etc/kubernetes]", "kustomization.yaml: resources[0]"),
        ("resources: [app.yaml]\nsurprise: true", "kustomization.yaml: surprise"),
    ]

    @Test(arguments: 0..<cases.count)
    func aKustomizationThatReachesOutIsRefusedAndNothingIsFetched(index: Int) async throws {
        let (server, paths) = try await LoopbackHTTPServer.startRecording()
        defer { Task { await server.stop() } }
        let (kustomization, location) = Self.cases[index]
        let files = ["kustomization.yaml": kustomization.replacingOccurrences(of: "URL", with: server.baseURL) + "\n", "app.yaml": Self.configMap]
        let text = try await runOffPool { Result { try BundleErrorTests.renderError(files, settings: BundleErrorTests.kustomize) } }.get()
        #expect(text.contains(location), "\(text)")
        #expect(paths.withLock { $0 }.isEmpty, "the bundle made the controller fetch \(paths.withLock { $0 })")
    }

    @Test func nestedKustomizationsAreCheckedToo() throws {
        let text = try BundleErrorTests.renderError(
            [
                "kustomization.yaml": "resources: [base]\n",
                "base/kustomization.yaml": "resources: [../app.yaml]\nconfigMapGenerator: [{name: x, files: [http://169.254.169.254/latest]}]\n",
                "app.yaml": Self.configMap,
            ], settings: BundleErrorTests.kustomize)
        #expect(text.contains("base/kustomization.yaml: configMapGenerator[0].files[0]: 'http://169.254.169.254/latest' is a remote reference"))
    }

    @Test func aLegitimateBundleWithLocalGeneratorsAndPatchesStillRenders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "kustomization.yaml": """
            resources: [app.yaml]
            configMapGenerator: [{name: settings, files: [conf/app.properties], literals: [MODE=preview]}]
            patches: [{path: patch.yaml}]
            images: [{name: nginx, newTag: "1.27"}]
            """,
            "conf/app.properties": "a=b\n",
            "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { patched: \"yes\" }\n",
            "app.yaml": Self.configMap,
        ])
        let context = RenderContext(key: Make.key(1), sha: String(repeating: "0", count: 40), settings: BundleErrorTests.kustomize)
        let rendered = try Renderer().render(context, bundleDirectory: dir.path)
        #expect(rendered.objects.contains { $0.name.hasPrefix("settings-") })
        #expect(rendered.objects.contains { $0.name == "c" && $0.object.value(at: "data.patched") == "yes" })
    }

    @Test func anAliasBombInAResourceFileIsRefusedBeforeKustomizeExpandsIt() throws {
        let bomb = """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: lol }
            data:
              a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
              b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
              c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
              d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            """
        let text = try BundleErrorTests.renderError(
            ["kustomization.yaml": "resources: [bomb.yaml]\n", "bomb.yaml": bomb], settings: BundleErrorTests.kustomize)
        #expect(text.contains("bomb.yaml:5: YAML anchors and aliases are not supported"), "\(text)")
    }

    // MARK: defence in depth: Kustomize itself, without the policy in front of it

    /// Kustomize asked to fetch a URL (the policy bypassed) reaches nothing: its network is a
    /// closed proxy.
    @Test func kustomizeItselfHasNoNetwork() async throws {
        let (server, paths) = try await LoopbackHTTPServer.startRecording()
        defer { Task { await server.stop() } }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kustomization.yaml": "resources: [\(server.baseURL)/app.yaml]\n"])
        let path = dir.path
        let built = await runOffPool { Result { try KubectlKustomize().build(directory: path) } }
        #expect(throws: RenderError.self) { try built.get() }
        #expect(paths.withLock { $0 }.isEmpty, "Kustomize reached \(paths.withLock { $0 })")
    }

    /// Generators that read one large file many times stop at the memory limit, quickly, and leave
    /// no Kustomize process behind.
    @Test func generatorAmplificationStopsAtTheLimits() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let generators = (0..<200).map { "- {name: cm\($0), files: [big.txt]}" }.joined(separator: "\n")
        try dir.write(["kustomization.yaml": "configMapGenerator:\n\(generators)\n", "big.txt": String(repeating: "x", count: 4_000_000)])
        var limits = Subprocess.Confinement()
        limits.memoryBytes = 256 << 20
        limits.wallSeconds = 30
        let started = Date()
        let path = dir.path
        do {
            _ = try await runOffPool { [limits] in Result { try KubectlKustomize(limits: limits).build(directory: path) } }.get()
            Issue.record("an amplifying bundle rendered")
        } catch {
            #expect(String(describing: error).contains("kubectl kustomize was stopped: the bundle needs more than the renderer's limits"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 30)
        let left = try Subprocess.run("/usr/bin/pgrep", ["-f", dir.path])
        #expect(left.stdout.isEmpty, "a Kustomize process was left running: \(left.stdout)")
    }

    @Test func theWallClockLimitKillsTheWholeGroup() async throws {
        var limits = Subprocess.Confinement()
        limits.wallSeconds = 1
        let marker = "sandcastle-wall-\(UUID().uuidString.prefix(8))"
        let started = Date()
        let run = try await runOffPool { [limits] in
            Result { try Subprocess.runConfined("/bin/sh", ["-c", "sleep 30 & sleep 30; echo \(marker)"], limits: limits) }
        }.get()
        #expect(run.exceeded)
        #expect(Date().timeIntervalSince(started) < 25, "killed long before the 30 s sleeps end")
        let left = try Subprocess.run("/usr/bin/pgrep", ["-f", "sleep 30 & sleep 30; echo \(marker)"])
        #expect(left.stdout.isEmpty, "left running: \(left.stdout)")
    }
}

/// The bundle directory is resolved inside the checkout: no symbolic link out of it, at any level.
@Suite struct BundlePathTests {
    @Test(arguments: [("deploy/preview", "/etc"), ("deploy", "/etc")])
    func aBundleDirectoryThatLinksOutOfTheCheckoutIsRefused(link: String, target: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(
            atPath: dir.path + "/" + (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/" + link, withDestinationPath: target)
        do {
            _ = try BundleFiles.directory(inside: dir.path, at: "deploy/preview")
            Issue.record("a bundle linked to \(target) was accepted")
        } catch {
            #expect(error.description.contains("bundle.path 'deploy/preview' leads outside the repository"), "\(error)")
            #expect(!error.description.contains("passwd"), "nothing from the target is listed")
        }
    }

    @Test func aLinkInsideTheCheckoutIsFine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["real/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"])
        try FileManager.default.createDirectory(atPath: dir.path + "/deploy", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/deploy/preview", withDestinationPath: "../real")
        let resolved = try BundleFiles.directory(inside: dir.path, at: "deploy/preview")
        #expect(resolved.hasSuffix("/real"))
    }
}
