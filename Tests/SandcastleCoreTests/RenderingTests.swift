import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite struct RenderingTests {
    static let root = repositoryRoot(from: #filePath)
    static let config = try! ConfigLoader.load(path: root + "/examples/sandcastle.yaml")
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func context(_ repo: String, pr: Int, sha: String = RenderingTests.sha, settings: PreviewSettings? = nil) -> RenderContext {
        let name = RepositoryName(parsing: repo)!
        return RenderContext(key: PreviewKey(repository: name, number: pr), sha: sha, settings: settings ?? config.repository(name)!.settings)
    }

    /// Compares with `Golden/<name>`; `SANDCASTLE_UPDATE_GOLDEN=1` rewrites the file instead.
    static func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = root + "/Tests/SandcastleCoreTests/Golden/" + name
        if ProcessInfo.processInfo.environment["SANDCASTLE_UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == golden, "differs from \(name); rerun with SANDCASTLE_UPDATE_GOLDEN=1 after checking the change", sourceLocation: sourceLocation)
    }

    @Test func kustomizeExampleMatchesGolden() throws {
        let rendered = try Renderer().render(Self.context("acme/shop", pr: 42), bundleDirectory: Self.root + "/examples/shop/deploy/preview")
        try Self.expectGolden(rendered.yamlStream, "shop-pr-42.yaml")
        #expect(rendered.unpinnedImages.isEmpty)
    }

    @Test func manifestsExampleMatchesGolden() throws {
        let rendered = try Renderer().render(Self.context("acme/blog", pr: 7), bundleDirectory: Self.root + "/examples/blog/deploy/preview")
        try Self.expectGolden(rendered.yamlStream, "blog-pr-7.yaml")
    }

    @Test func everyObjectIsInThePreviewNamespaceAndOwned() throws {
        let rendered = try Renderer().render(Self.context("acme/shop", pr: 42), bundleDirectory: Self.root + "/examples/shop/deploy/preview")
        #expect(rendered.names.namespace == "pr-42-shop")
        #expect(rendered.objects.first?.kind == "Namespace")
        #expect(rendered.objects.last?.kind == "Job", "workloads and jobs last")
        for object in rendered.objects.dropFirst() {
            #expect(object.namespace == "pr-42-shop", "\(object.reference)")
            let labels = object.metadata["labels"]?.object
            #expect(labels?["app.kubernetes.io/managed-by"] == "sandcastle", "\(object.reference)")
            #expect(labels?["sandcastle.dev/pr"] == "42")
        }
        let kinds = Set(rendered.objects.map(\.kind))
        #expect(kinds.isSuperset(of: ["Namespace", "ServiceAccount", "ResourceQuota", "LimitRange", "NetworkPolicy"]))
        for object in rendered.objects {
            for image in ImagePinning.images(of: object) { #expect(image.contains("@sha256:"), "\(image) in \(object.reference)") }
        }
        #expect(rendered.objects.first { $0.kind == "Deployment" }?.source == "deployment.yaml", "sources come from Kustomize's origin")
        #expect(!rendered.yamlStream.contains("config.kubernetes.io/origin"))
        let ingress = try #require(rendered.objects.first { $0.kind == "Ingress" })
        #expect(ingress.canonicalJSON.contains("\"host\":\"shop-pr-42.preview.acme.dev\""))
    }

    @Test func outputIsDeterministicAndHashFollowsContent() throws {
        let dir = Self.root + "/examples/shop/deploy/preview"
        let a = try Renderer().render(Self.context("acme/shop", pr: 42), bundleDirectory: dir)
        let b = try Renderer().render(Self.context("acme/shop", pr: 42), bundleDirectory: dir)
        let c = try Renderer().render(Self.context("acme/shop", pr: 42, sha: String(repeating: "f", count: 40)), bundleDirectory: dir)
        #expect(a.yamlStream == b.yamlStream)
        #expect(a.contentHash == b.contentHash)
        #expect(a.contentHash != c.contentHash)
        #expect(a.contentHash.count == 64)
    }

    @Test func renderedYAMLReadsBackAsTheSameObjects() throws {
        let rendered = try Renderer().render(Self.context("acme/blog", pr: 7), bundleDirectory: Self.root + "/examples/blog/deploy/preview")
        let reread = try ManifestYAML.parseDocuments(rendered.yamlStream)
        #expect(reread == (rendered.objects + rendered.hooks.map(\.manifest)).map { .object($0.object) })
    }

    @Test func imageOverridesFromTheCommandLineWin() throws {
        let digest = "sha256:" + String(repeating: "c", count: 64)
        var context = Self.context("acme/blog", pr: 7)
        context.imageOverrides = [ImagePin(name: "ghcr.io/acme/blog", digest: digest)]
        let rendered = try Renderer().render(context, bundleDirectory: Self.root + "/examples/blog/deploy/preview")
        let deployment = try #require(rendered.objects.first { $0.kind == "Deployment" })
        #expect(ImagePinning.images(of: deployment) == ["ghcr.io/acme/blog@\(digest)"])
    }

    @Test func unpinnedImagesAreReported() throws {
        var settings = Self.config.repository(RepositoryName(owner: "acme", name: "blog"))!.settings
        settings.images = []
        let rendered = try Renderer().render(
            Self.context("acme/blog", pr: 7, settings: settings), bundleDirectory: Self.root + "/examples/blog/deploy/preview")
        #expect(rendered.unpinnedImages == ["ghcr.io/acme/blog:main"])
    }

    @Test(arguments: [(NetworkPolicyMode.isolated, 4, true), (.ingressOnly, 3, false), (.off, 0, false)])
    func networkPolicyModes(mode: NetworkPolicyMode, count: Int, egress: Bool) {
        var settings = PreviewSettings.builtin
        settings.networkPolicy.mode = mode
        let policies = Baselines.objects(for: Self.context("acme/shop", pr: 1, settings: settings)).filter { $0.kind == "NetworkPolicy" }
        #expect(policies.count == count)
        #expect(policies.contains { $0.canonicalJSON.contains("\"Egress\"") } == egress)
    }

    @Test func serviceAccountTokenIsNotAutomounted() {
        let sa = Baselines.objects(for: Self.context("acme/shop", pr: 1, settings: .builtin)).first { $0.kind == "ServiceAccount" }
        #expect(sa?.object["automountServiceAccountToken"] == .bool(false))
    }

    @Test func invalidSHAIsRefused() {
        #expect(throws: RenderError.self) {
            try Renderer().render(Self.context("acme/shop", pr: 1, sha: "main"), bundleDirectory: Self.root + "/examples/shop/deploy/preview")
        }
    }
}
