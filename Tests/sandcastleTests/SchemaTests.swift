import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// The rendered examples validate strictly against the official Kubernetes OpenAPI schemas
/// (`kubernetes-validate`, installed by `scripts/test.sh`), for the oldest and a current supported version.
@Suite struct SchemaTests {
    static let root = repositoryRoot(from: #filePath)
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    @Test(arguments: [("acme/shop", "shop"), ("acme/blog", "blog")])
    func renderedExamplesMatchTheKubernetesSchemas(repo: String, app: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let render = try await SandcastleExecutable.run([
            "render", "-c", Self.root + "/examples/sandcastle.yaml", "--repo", repo, "--pr", "42", "--sha", Self.sha,
            "--bundle", Self.root + "/examples/\(app)/deploy/preview", "-o", dir.path + "/out",
        ])
        #expect(render.status == 0, "\(render.stderr)")
        let files = dir.files().map { dir.path + "/" + $0 }
        #expect(files.count > 8)
        for version in ["1.27.0", "1.32.0"] {
            let result = try await runValidator(["--strict", "--quiet", "-k", version] + files)
            #expect(result.status == 0, "kubernetes-validate \(version): \(result.stdout) \(result.stderr)")
        }
    }

    @Test func theValidatorRejectsAnInvalidObject() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n"])
        #expect(try await runValidator(["--strict", "--quiet", dir.path + "/bad.yaml"]).status != 0)
    }

    private func runValidator(_ arguments: [String]) async throws -> Subprocess.Result {
        let result = try await Subprocess.runDetached("/usr/bin/env", ["python3", "-m", "kubernetes_validate"] + arguments)
        if result.stderr.contains("No module named kubernetes_validate") {
            Issue.record("kubernetes-validate is not installed: run scripts/test.sh, or pip install kubernetes-validate")
        }
        return result
    }
}
