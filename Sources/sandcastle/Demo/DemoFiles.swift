import Foundation

/// The demo's scenario, configuration and example bundle, built into the binary so `sandcastle demo`
/// works from any directory, from the installed binary and in the container image. Each is a copy
/// of the file of the same path under `examples/` (a test keeps them equal).
enum DemoFiles {
    /// Path under `examples/` → content.
    static let files: [String: String] = [
        "demo/sandcastle.yaml": #"""
        # Configuration of `sandcastle demo`: the example blog repository, previews written as files.
        # The demo overrides sink.path, controller.listen and controller.workDirectory with its own
        # temporary locations; nothing here needs a cluster, a network or a GitHub account.
        apiVersion: sandcastle.dev/v1alpha1
        kind: SandcastleConfig

        sink:
          kind: directory
          path: sandcastle-previews

        controller:
          resyncInterval: 1m
          janitorInterval: 5m
          workers: 2
          logFormat: logfmt

        defaults:
          trigger:
            labels: [preview]
            labelPermission: write
          domain: preview.localhost
          ttl: 72h
          maxConcurrent: 3

        repositories:
          # Plain manifests, so the demo needs nothing but git (a Kustomize bundle would need kubectl).
          - name: acme/blog
            bundle:
              path: deploy/preview
              kind: manifests
            images:
              - name: ghcr.io/acme/blog
                digest: sha256:0d5c1a7b2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3
        """#,
        "demo/scenario.yaml": #"""
        # The life of one pull request, as `sandcastle demo` plays it. Each step sets the PR's state on
        # the demo's local forge, then delivers a signed `pull_request` webhook to the real endpoint.
        repository: acme/blog
        number: 42
        author: alice
        # The permission of whoever adds the trigger label (the policy requires write by default).
        permission: write
        # The repository's history: each commit copies `from` (relative to this file), then `overlay`.
        commits:
          - message: Add the comments page
            from: ../blog
          - message: Two replicas and a feature flag
            from: ../blog
            overlay: push
        steps:
          - title: PR opened with the preview label
            action: opened
            labels: [preview]
            commit: 1
            expect: present
          - title: A push to the PR
            action: synchronize
            commit: 2
            expect: present
          - title: The preview label is removed
            action: unlabeled
            label: preview
            labels: []
            expect: absent
          - title: The preview label is added again
            action: labeled
            label: preview
            labels: [preview]
            expect: present
          - title: The PR is closed
            action: closed
            state: closed
            expect: absent
        """#,
        "demo/push/deploy/preview/app.yaml": #"""
        # A plain-manifests bundle (bundle.kind: manifests): every .yaml file here, in name order.
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: blog
        spec:
          replicas: 2
          selector:
            matchLabels: { app: blog }
          template:
            metadata:
              labels: { app: blog }
            spec:
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                seccompProfile: { type: RuntimeDefault }
              containers:
                - name: blog
                  image: ghcr.io/acme/blog:main
                  env:
                    - { name: BASE_URL, value: "{{ url }}" }
                    - { name: COMMIT, value: "{{ shortSha }}" }
                    - { name: FEATURE_COMMENTS, value: "true" }
                  ports: [{ name: http, containerPort: 3000 }]
                  resources:
                    requests: { cpu: 50m, memory: 64Mi }
                    limits: { cpu: 250m, memory: 128Mi }
                  securityContext:
                    allowPrivilegeEscalation: false
                    capabilities: { drop: [ALL] }
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: blog
        spec:
          selector: { app: blog }
          ports: [{ name: http, port: 80, targetPort: http }]
        """#,
        "blog/deploy/preview/app.yaml": #"""
        # A plain-manifests bundle (bundle.kind: manifests): every .yaml file here, in name order.
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: blog
        spec:
          replicas: 1
          selector:
            matchLabels: { app: blog }
          template:
            metadata:
              labels: { app: blog }
            spec:
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                seccompProfile: { type: RuntimeDefault }
              containers:
                - name: blog
                  image: ghcr.io/acme/blog:main
                  env:
                    - { name: BASE_URL, value: "{{ url }}" }
                    - { name: COMMIT, value: "{{ shortSha }}" }
                  ports: [{ name: http, containerPort: 3000 }]
                  resources:
                    requests: { cpu: 50m, memory: 64Mi }
                    limits: { cpu: 250m, memory: 128Mi }
                  securityContext:
                    allowPrivilegeEscalation: false
                    capabilities: { drop: [ALL] }
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: blog
        spec:
          selector: { app: blog }
          ports: [{ name: http, port: 80, targetPort: http }]
        """#,
        "blog/deploy/preview/ingress.yaml": #"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: blog
        spec:
          rules:
            - host: "{{ host }}"
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service: { name: blog, port: { name: http } }
        """#,
    ]

    /// Writes every file under `root` (as `root/demo/…`, `root/blog/…`); returns `root`. With
    /// `forCluster`, the variant for a real cluster (``clusterVariant(_:path:)``).
    @discardableResult
    static func write(to root: String, forCluster: Bool = false) throws -> String {
        for (path, original) in files {
            let text = forCluster ? clusterVariant(original, path: path) : original
            let url = URL(fileURLWithPath: root).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((text + "\n").utf8).write(to: url)
        }
        return root
    }

    /// The image the cluster variant runs: a real, public, unprivileged web server (uid 101, port
    /// 8080), so the preview becomes ready on any cluster that can pull from Docker Hub.
    static let clusterImage = "docker.io/nginxinc/nginx-unprivileged:1.27-alpine"

    /// `text` for a real cluster: the blog's made-up image (pinned to a made-up digest by the
    /// configuration) becomes ``clusterImage`` on its own port and user, and the image rule goes.
    static func clusterVariant(_ text: String, path: String) -> String {
        if path.hasSuffix("app.yaml") {
            return text.replacingOccurrences(of: "image: ghcr.io/acme/blog:main", with: "image: \(clusterImage)")
                .replacingOccurrences(of: "containerPort: 3000", with: "containerPort: 8080")
                .replacingOccurrences(of: "runAsUser: 10001", with: "runAsUser: 101")
        }
        if path == "demo/sandcastle.yaml" {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var kept: [Substring] = []
            var skipping = false
            for line in lines {
                if line == "    images:" {
                    skipping = true
                    continue
                }
                if skipping, line.hasPrefix("      ") { continue }
                skipping = false
                kept.append(line)
            }
            return kept.joined(separator: "\n").replacingOccurrences(of: "  kind: directory\n  path: sandcastle-previews", with: "  kind: cluster")
        }
        return text
    }
}
