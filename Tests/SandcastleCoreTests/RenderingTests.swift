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
        #expect(reread == rendered.objects.map { .object($0.object) })
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

    // MARK: contract

    static func manifestsSettings() -> PreviewSettings {
        var settings = PreviewSettings.builtin
        settings.bundle.kind = .manifests
        return settings
    }

    @Test func contractViolationsAreAllListed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "a.yaml": """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: { name: escalate }
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: elsewhere, namespace: kube-system }
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: { name: not-allowed }
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: fine }
            """,
            "b.yaml": "apiVersion: v1\nkind: Secret\nmetadata: { generateName: x- }\n",
        ])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: Self.manifestsSettings()), bundleDirectory: dir.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("ClusterRole/escalate (a.yaml): cluster-scoped kind ClusterRole")
                && text.contains("ConfigMap/elsewhere (a.yaml): hard-coded namespace 'kube-system'")
                && text.contains("Role/not-allowed (a.yaml): kind Role is not in bundle.allowedKinds")
                && text.contains("Secret/<no name> (b.yaml): missing metadata.name")
                && !text.contains("ConfigMap/fine")
        }
    }

    @Test func objectCountAndSizeLimits() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let big = String(repeating: "x", count: 4000)
        try dir.write([
            "many.yaml": (1...3).map { "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm\($0) }\ndata: { blob: \(big) }\n" }.joined(
                separator: "---\n")
        ])
        var settings = Self.manifestsSettings()
        settings.bundle.maxObjects = 2
        settings.bundle.maxObjectBytes = 2048
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: settings), bundleDirectory: dir.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("3 objects; at most 2") && text.contains("ConfigMap/cm1 (many.yaml): 40") && text.contains("bundle.maxObjectBytes")
        }
    }

    @Test func unknownBundleVariableNamesFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  branch: \"{{ branch }}\"\n"])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: Self.manifestsSettings()), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("app.yaml:5: unknown variable '{{ branch }}'")
        }
    }

    @Test func invalidYAMLNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["broken.yaml": "apiVersion: v1\nkind: [unclosed\n"])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: Self.manifestsSettings()), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("broken.yaml")
        }
    }

    @Test func symlinksOutOfTheBundleAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"])
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/passwd.yaml", withDestinationPath: "/etc/passwd")
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: Self.manifestsSettings()), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("passwd.yaml: symbolic link points outside the bundle")
        }
    }

    @Test func oversizedFilesAreRefusedBeforeReading() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"])
        let handle = try #require(FileHandle(forWritingAtPath: dir.path + "/app.yaml"))
        try handle.truncate(atOffset: UInt64(BundleFiles.maxFileBytes + 1))
        try handle.close()
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1, settings: Self.manifestsSettings()), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("app.yaml: 4194305 bytes; bundle files may be at most 4194304 bytes")
        }
    }

    @Test func kustomizeKindNeedsAKustomization() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("bundle.kind is kustomize but the bundle has no kustomization.yaml")
        }
    }

    @Test func remoteKustomizeBasesAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "kustomization.yaml": "resources:\n  - https://github.com/evil/repo//deploy?ref=main\n  - ../../outside\n  - app.yaml\n",
            "app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n",
        ])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1), bundleDirectory: dir.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("'https://github.com/evil/repo//deploy?ref=main' is outside the bundle") && text.contains("'../../outside'")
                && !text.contains("'app.yaml'")
        }
    }

    @Test func missingKubectlIsAClearError() throws {
        #expect {
            try Renderer(kustomize: KubectlKustomize(executable: "/nonexistent/kubectl"))
                .render(Self.context("acme/shop", pr: 42), bundleDirectory: Self.root + "/examples/shop/deploy/preview")
        } throws: { error in
            String(describing: error).contains("'/nonexistent/kubectl' is not installed or not on PATH")
        }
    }

    @Test func kustomizeFailuresCarryKubectlsMessage() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kustomization.yaml": "resources:\n  - missing.yaml\n"])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("kubectl kustomize failed") && String(describing: error).contains("missing.yaml")
        }
    }

    @Test func foreignNamespaceInAKustomizeBundleIsCaught() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "kustomization.yaml": "namespace: production\nresources:\n  - app.yaml\n",
            "app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n",
        ])
        #expect {
            try Renderer().render(Self.context("acme/shop", pr: 1), bundleDirectory: dir.path)
        } throws: { error in
            String(describing: error).contains("ConfigMap/c (app.yaml): hard-coded namespace 'production'")
        }
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
