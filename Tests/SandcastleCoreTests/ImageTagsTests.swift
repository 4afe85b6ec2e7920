import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Tag templates, the lock file and the pull Secret: pure parts of deploying the image CI built.
@Suite struct ImageTagsTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    @Test(arguments: [
        ("pr-{{ number }}-{{ sha }}", "pr-42-0123456789abcdef0123456789abcdef01234567", true),
        ("{{ shortSha }}", "0123456", true),
        ("main", "main", false),
    ])
    func tagTemplatesRenderPerCommit(template: String, tag: String, immutable: Bool) throws {
        var settings = PreviewSettings.builtin
        settings.images = [ImagePin(name: "ghcr.io/acme/shop", digest: nil, tag: try Template(parsing: template))]
        let requests = try ImageTags.requests(key: Make.key(42), sha: Self.sha, settings: settings)
        #expect(requests == [ImageTags.Request(name: "ghcr.io/acme/shop", tag: tag)])
        #expect(requests[0].isImmutable(sha: Self.sha) == immutable)
    }

    @Test func aTemplateThatRendersToAnInvalidTagIsAnError() throws {
        var settings = PreviewSettings.builtin
        settings.images = [ImagePin(name: "ghcr.io/acme/shop", digest: nil, tag: try Template(parsing: "-{{ repo }}"))]
        #expect(throws: RenderError.self) { try ImageTags.requests(key: Make.key(42), sha: Self.sha, settings: settings) }
        #expect(!ImageTags.isValidTag(".hidden") && !ImageTags.isValidTag(String(repeating: "a", count: 129)) && ImageTags.isValidTag("v1.2_3-rc"))
    }

    @Test func theLockFilePinsImagesAndAMalformedLineIsNamed() throws {
        let digest = "sha256:" + String(repeating: "e", count: 64)
        let pins = try ImageTags.lockFile(
            "# images CI built\n- ghcr.io/acme/shop@\(digest)\n\n\"ghcr.io/acme/worker@\(digest)\"\n", file: "images.lock.yaml")
        #expect(pins == [ImagePin(name: "ghcr.io/acme/shop", digest: digest), ImagePin(name: "ghcr.io/acme/worker", digest: digest)])
        do {
            _ = try ImageTags.lockFile("- ghcr.io/acme/shop@\(digest)\n- ghcr.io/acme/worker:latest\n", file: "deploy/images.lock.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description.contains("deploy/images.lock.yaml:2: 'ghcr.io/acme/worker:latest' is not name@sha256:<64 hex digits>"), "\(error)")
        }
    }

    /// The lock file is PR content: a link out of the checkout is refused without reading (or
    /// quoting) its target, and a huge file is refused before it is read.
    @Test func aHostileLockFileIsRefusedWithoutReadingIt() throws {
        let outside = try TemporaryDirectory()
        defer { outside.remove() }
        try outside.write(["token": "ghp_secretcontrollertoken"])
        let checkout = try TemporaryDirectory()
        defer { checkout.remove() }
        try FileManager.default.createDirectory(atPath: checkout.path + "/deploy", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: checkout.path + "/deploy/images.lock", withDestinationPath: outside.path + "/token")
        do {
            _ = try ImageTags.readLockFile("deploy/images.lock", inside: checkout.path)
            Issue.record("a link out of the checkout was read")
        } catch {
            #expect(error.description.contains("leads outside the repository"), "\(error)")
            #expect(!error.description.contains("ghp_secret"))
        }
        try Data(count: ImageTags.maxLockFileBytes + 1).write(to: URL(fileURLWithPath: checkout.path + "/deploy/big.lock"))
        #expect(throws: RenderError.self) { try ImageTags.readLockFile("deploy/big.lock", inside: checkout.path) }
        #expect(throws: RenderError.self) { try ImageTags.readLockFile("deploy", inside: checkout.path) }
        let digest = "sha256:" + String(repeating: "e", count: 64)
        try checkout.write(["deploy/ok.lock": "- ghcr.io/acme/shop@\(digest)\n"])
        #expect(try ImageTags.readLockFile("deploy/ok.lock", inside: checkout.path) == [ImagePin(name: "ghcr.io/acme/shop", digest: digest)])
    }

    @Test func resolvedDigestsPinTheBundle() throws {
        let digest = "sha256:" + String(repeating: "d", count: 64)
        var settings = PreviewSettings.builtin
        settings.images = [ImagePin(name: "ghcr.io/acme/shop", digest: nil, tag: try Template(parsing: "{{ sha }}"))]
        var context = RenderContext(key: Make.key(42), sha: Self.sha, settings: settings)
        context.resolved = [ImagePin(name: "ghcr.io/acme/shop", digest: digest)]
        context.pullSecretName = RegistryCredentials.secretName
        let bundle = Manifest(
            object: [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "shop"],
                "spec": ["template": ["spec": ["containers": [["name": "shop", "image": "ghcr.io/acme/shop:whatever"]]]]],
            ], source: "app.yaml")
        let rendered = try Renderer().assemble([bundle], context: context)
        let deployment = try #require(rendered.objects.first { $0.kind == "Deployment" })
        #expect(
            deployment.object.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"] == .string("ghcr.io/acme/shop@\(digest)"))
        let account = try #require(rendered.objects.first { $0.kind == "ServiceAccount" })
        #expect(account.object["imagePullSecrets"] == [["name": "sandcastle-registry"]])
    }

    @Test func thePullSecretHoldsEveryRegistry() {
        let json = RegistryCredentials.dockerConfigJSON([
            .init(host: "registry.example.com:5000", username: "u2", password: "p2"), .init(host: "ghcr.io", username: "u", password: "p"),
        ])
        #expect(json == #"{"auths":{"ghcr.io":{"auth":"dTpw"},"registry.example.com:5000":{"auth":"dTI6cDI="}}}"#)
    }
}
