import Foundation
import SandcastleCore

/// Concise builders for test values.
public enum Make {
    public static let repository = RepositoryName(owner: "acme", name: "shop")
    public static let sha = String(repeating: "a1", count: 20)
    public static let epoch = Date(timeIntervalSince1970: 1_800_000_000)

    public static func key(_ number: Int, _ repository: RepositoryName = Make.repository) -> PreviewKey {
        PreviewKey(repository: repository, number: number)
    }

    /// An open, labelled, same-repository PR whose label was added by a writer.
    public static func pr(
        _ number: Int, repository: RepositoryName = Make.repository, state: PullRequestSnapshot.State = .open,
        merged: Bool = false, draft: Bool = false, labels: [String] = ["preview"], sha: String = Make.sha,
        fork: Bool = false, labelGrant: LabelGrant? = LabelGrant(label: "preview", addedBy: "maintainer", permission: .write),
        createdAt: Date = Make.epoch, lastActivityAt: Date? = nil
    ) -> PullRequestSnapshot {
        PullRequestSnapshot(
            key: PreviewKey(repository: repository, number: number), state: state, merged: merged, draft: draft, labels: labels,
            headSHA: sha, headRef: "feature/\(number)", headRepositoryID: fork ? 999 : 1, baseRepositoryID: 1, author: "dev",
            labelGrant: labelGrant, createdAt: createdAt, lastActivityAt: lastActivityAt ?? createdAt)
    }
}

extension Make {
    /// A rendered preview of PR `number` with the built-in baselines, a Deployment, a Service and
    /// `configMaps` ConfigMaps whose data carries `version` (change it to change the content).
    public static func preview(
        _ number: Int, repository: RepositoryName = Make.repository, configMaps: Int = 3, version: String = "1", sha: String = Make.sha
    ) throws -> RenderedPreview {
        let context = RenderContext(key: PreviewKey(repository: repository, number: number), sha: sha, settings: .builtin)
        var bundle: [Manifest] = (0..<configMaps).map { index in
            Manifest(
                object: [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("config-\(index)")], "data": ["version": .string(version)],
                ],
                source: "configmap-\(index).yaml")
        }
        bundle.append(
            Manifest(
                object: [
                    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                    "spec": [
                        "replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                        "template": [
                            "metadata": ["labels": ["app": "web"]],
                            "spec": ["containers": [["name": "web", "image": .string("nginx@sha256:" + String(repeating: "a", count: 64))]]],
                        ],
                    ],
                ], source: "deployment.yaml"))
        bundle.append(
            Manifest(
                object: [
                    "apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
                    "spec": ["selector": ["app": "web"], "ports": [["port": 80, "targetPort": 8080]]],
                ], source: "service.yaml"))
        return try Renderer().assemble(bundle, context: context)
    }
}

extension Make {
    /// A catalog serving `repositories` with the built-in settings and these trigger labels and
    /// required checks.
    public static func catalog(_ repositories: [RepositoryName], labels: [String] = ["preview"], requiredChecks: [String] = []) -> RepositoryList {
        RepositoryList(
            repositories.map { name in
                var settings = PreviewSettings.builtin
                settings.trigger.labels = labels
                settings.trigger.requiredChecks = requiredChecks
                return RepositoryConfig(name: name, settings: settings)
            })
    }
}
