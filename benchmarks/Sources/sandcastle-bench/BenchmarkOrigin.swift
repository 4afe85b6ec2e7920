import Foundation
import SandcastleCore

/// A git repository standing in for the PR's repository on GitHub: each commit writes the bundle
/// at `deploy/preview`.
struct BenchmarkOrigin {
    let path: String
    private let git = Subprocess.locate("git")!
    private let environment = [
        "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid",
        "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
    ]

    /// An empty repository at `path`.
    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path + "/deploy/preview", withIntermediateDirectories: true)
        _ = try run("init", "--quiet", ".")
    }

    /// The URL the checkouts clone from.
    var url: String { "file://" + path }

    /// Commits `bundle` as `deploy/preview/app.yaml` (with a kustomization listing it when
    /// `kustomize`); returns the commit's SHA.
    func commit(bundle: String, kustomize: Bool = false, message: String = "bundle") throws -> String {
        try bundle.write(toFile: path + "/deploy/preview/app.yaml", atomically: true, encoding: .utf8)
        if kustomize {
            try "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [app.yaml]\n".write(
                toFile: path + "/deploy/preview/kustomization.yaml", atomically: true, encoding: .utf8)
        }
        _ = try run("add", "--all", ".")
        _ = try run("commit", "--quiet", "-m", message)
        return try run("rev-parse", "HEAD")
    }

    private func run(_ arguments: String...) throws -> String {
        let result = try Subprocess.run(git, arguments, in: path, environment: environment)
        precondition(result.status == 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
