import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Bundles that must not render: every test writes a bundle, renders it, and reads the error.
@Suite struct BundleErrorTests {
    static let manifests: PreviewSettings = {
        var settings = PreviewSettings.builtin
        settings.bundle.kind = .manifests
        return settings
    }()
    static let kustomize = PreviewSettings.builtin

    /// Renders `files` as acme/shop#1 and returns the error text; records an issue if it rendered.
    static func renderError(
        _ files: [String: String], settings: PreviewSettings = BundleErrorTests.manifests,
        renderer: Renderer = Renderer(), prepare: (String) throws -> Void = { _ in }
    ) throws -> String {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(files)
        try prepare(dir.path)
        let context = RenderContext(key: Make.key(1), sha: String(repeating: "0", count: 40), settings: settings)
        do {
            let rendered = try renderer.render(context, bundleDirectory: dir.path)
            Issue.record("rendered \(rendered.objects.count) objects instead of failing")
            return ""
        } catch {
            return error.description
        }
    }

    @Test func contractViolationsAreAllListed() throws {
        let text = try Self.renderError([
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
        #expect(text.contains("ClusterRole/escalate (a.yaml): cluster-scoped kind ClusterRole"))
        #expect(text.contains("ConfigMap/elsewhere (a.yaml): hard-coded namespace 'kube-system'"))
        #expect(text.contains("Role/not-allowed (a.yaml): kind rbac.authorization.k8s.io/Role is not in bundle.allowedKinds"))
        #expect(text.contains("Secret/<no name> (b.yaml): missing metadata.name"))
        #expect(!text.contains("ConfigMap/fine"))
    }

    @Test func objectCountAndSizeLimits() throws {
        let big = String(repeating: "x", count: 4000)
        var settings = Self.manifests
        settings.bundle.maxObjects = 2
        settings.bundle.maxObjectBytes = 2048
        let text = try Self.renderError(
            [
                "many.yaml": (1...3).map { "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm\($0) }\ndata: { blob: \(big) }\n" }.joined(
                    separator: "---\n")
            ],
            settings: settings)
        #expect(text.contains("3 objects; at most 2"))
        #expect(text.contains("ConfigMap/cm1 (many.yaml): 40"))
        #expect(text.contains("bundle.maxObjectBytes"))
    }

    @Test func unknownBundleVariableNamesFileAndLine() throws {
        let text = try Self.renderError(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  branch: \"{{ branch }}\"\n"])
        #expect(text.contains("app.yaml:5: unknown variable '{{ branch }}'"))
    }

    @Test func invalidYAMLNamesTheFile() throws {
        #expect(try Self.renderError(["broken.yaml": "apiVersion: v1\nkind: [unclosed\n"]).contains("broken.yaml"))
    }

    @Test func symlinksOutOfTheBundleAreRefused() throws {
        let text = try Self.renderError(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"]) { dir in
            try FileManager.default.createSymbolicLink(atPath: dir + "/passwd.yaml", withDestinationPath: "/etc/passwd")
        }
        #expect(text.contains("passwd.yaml: symbolic link points outside the bundle"))
    }

    @Test func oversizedFilesAreRefusedBeforeReading() throws {
        let text = try Self.renderError(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"]) { dir in
            let handle = try #require(FileHandle(forWritingAtPath: dir + "/app.yaml"))
            try handle.truncate(atOffset: UInt64(BundleFiles.maxFileBytes + 1))
            try handle.close()
        }
        #expect(text.contains("app.yaml: 4194305 bytes; bundle files may be at most 4194304 bytes"))
    }

    @Test func kustomizeKindNeedsAKustomization() throws {
        let text = try Self.renderError(["app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"], settings: Self.kustomize)
        #expect(text.contains("bundle.kind is kustomize but the bundle has no kustomization.yaml"))
    }

    @Test func remoteKustomizeBasesAreRefused() throws {
        let text = try Self.renderError(
            [
                "kustomization.yaml": "resources:\n  - https://github.com/evil/repo//deploy?ref=main\n  - ../../outside\n  - app.yaml\n",
                "app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n",
            ], settings: Self.kustomize)
        #expect(text.contains("kustomization.yaml: resources[0]: 'https://github.com/evil/repo//deploy?ref=main' is a remote reference"))
        #expect(text.contains("kustomization.yaml: resources[1]: '../../outside' leaves the bundle"))
        #expect(!text.contains("'app.yaml'"))
    }

    @Test func missingKubectlIsAClearError() throws {
        let text = try Self.renderError(
            ["kustomization.yaml": "resources: [app.yaml]\n", "app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"],
            settings: Self.kustomize, renderer: Renderer(kustomize: KubectlKustomize(executable: "/nonexistent/kubectl")))
        #expect(text.contains("'/nonexistent/kubectl' is not installed or not on PATH"))
    }

    @Test func kustomizeFailuresCarryKubectlsMessage() throws {
        let text = try Self.renderError(["kustomization.yaml": "resources:\n  - missing.yaml\n"], settings: Self.kustomize)
        #expect(text.contains("kubectl kustomize failed"))
        #expect(text.contains("missing.yaml"))
    }

    @Test func foreignNamespaceInAKustomizeBundleIsCaught() throws {
        let text = try Self.renderError(
            [
                "kustomization.yaml": "namespace: production\nresources:\n  - app.yaml\n",
                "app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n",
            ],
            settings: Self.kustomize)
        #expect(text.contains("ConfigMap/c (app.yaml): hard-coded namespace 'production'"))
    }
}
