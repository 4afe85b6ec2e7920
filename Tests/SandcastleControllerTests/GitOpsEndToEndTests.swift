import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// The Argo CD and Flux sinks over real HTTP: the fake API server serves minimal CRDs of both
/// engines and stand-ins for their controllers move the status the way their documentation
/// describes (Application `sync`/`health`/`operationState`, Flux `Ready` and revisions, deletion
/// behind finalizers).
@Suite("GitOps sinks end to end", .serialized)
struct GitOpsEndToEndTests {
    static let argocdSink =
        "{kind: argocd, argocd: {namespace: argocd, gitops: {repoURL: 'https://github.com/acme/gitops.git', targetRevision: main, path: previews/baselines}}}"
    static let fluxSink = "{kind: flux, flux: {namespace: flux-system, interval: 2m, timeout: 4m}}"

    static func application(_ pr: Int) -> ResourceRef {
        ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "pr-\(pr)-shop")
    }
    static func project(_ pr: Int) -> ResourceRef {
        ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "AppProject", namespace: "argocd", name: "pr-\(pr)-shop")
    }
    static func flux(_ kind: String, _ pr: Int) -> ResourceRef {
        let apiVersion =
            switch kind {
            case "Kustomization": FluxObjects.kustomizeAPIVersion
            case "HelmRelease": FluxObjects.helmAPIVersion
            case "ServiceAccount": "v1"
            default: FluxObjects.sourceAPIVersion
            }
        return ResourceRef(apiVersion: apiVersion, kind: kind, namespace: "flux-system", name: "pr-\(pr)-shop")
    }
    static func synced(_ pr: Int) -> ResourceRef {
        ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "pr-\(pr)-shop", name: "pr-\(pr)-shop-synced")
    }

    static func deployStatuses(_ h: ControllerHarness, _ sha: String) async -> [FakeGitHub.CommitStatusRecord] {
        await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).filter { $0.context == "sandcastle/deploy" }.sorted { $0.id < $1.id }
    }

    static func start(
        sink: String, bundle: String = "{path: deploy/preview, kind: manifests}", hooks: String? = nil, simulation: GitOpsSimulation
    ) async throws -> ControllerHarness {
        let h = try await ControllerHarness.start(hooks: hooks, sink: sink, bundle: bundle)
        try await h.fakeKube.simulateGitOps(simulation)
        // The controller gets what deploy/rbac.yaml and the sink's example RBAC grant, nothing more.
        let example = sink.contains("kind: argocd") ? "argocd-sink-rbac.yaml" : "flux-sink-rbac.yaml"
        await h.fakeKube.restrictAccess(
            user: "system:serviceaccount:sandcastle-system:sandcastle",
            rules: try FakeRBACRule.grantedToTheController(byFiles: ["deploy/rbac.yaml", "deploy/examples/" + example]))
        for namespace in ["argocd", "flux-system"] {
            _ = try await h.fakeKube.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        }
        return h
    }

    /// Waits while the engine prunes: the namespace stays while the engine object exists.
    static func namespaceOutlives(_ ref: ResourceRef, _ h: ControllerHarness, pr: Int) async throws {
        try await eventually("the engine object is being deleted") { await h.fakeKube.object(ref)?.value(at: "metadata.deletionTimestamp") != nil }
        while await h.fakeKube.object(ref) != nil {
            #expect(await h.namespace(pr)?.value(at: "metadata.deletionTimestamp") == nil, "the namespace waits until \(ref) is gone")
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func argoCDApplicationFromOpenedToReadyToGone() async throws {
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 2, pruneAfter: 1))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)

        try await eventually("the Application exists") { await h.fakeKube.object(Self.application(1)) != nil }
        let application = try #require(await h.fakeKube.object(Self.application(1)))
        // Its own AppProject: the preview's namespace is its only destination.
        #expect(application.value(at: "spec.project") == "pr-1-shop")
        let project = try #require(await h.fakeKube.object(Self.project(1)))
        let destinations = project.value(at: "spec.destinations")?.array?.compactMap(\.object) ?? []
        #expect(destinations.count == 1 && destinations.first?["namespace"] == "pr-1-shop")
        #expect(destinations.first?["server"] == "https://kubernetes.default.svc")
        #expect(project.value(at: "spec.clusterResourceWhitelist") == [])
        #expect(
            project.value(at: "spec.sourceRepos")
                == .array([
                    .string(ArgoCDProject.repositoryURL(ControllerHarness.repo, apiURL: h.github.apiURL)), "https://github.com/acme/gitops.git",
                ]))
        let sources = application.value(at: "spec.sources")?.array ?? []
        #expect(sources.count == 2)
        #expect(sources.first?.object?["repoURL"]?.string == ArgoCDProject.repositoryURL(ControllerHarness.repo, apiURL: h.github.apiURL))
        #expect(sources.first?.object?["targetRevision"]?.string == sha)
        #expect(sources.first?.object?["path"] == "deploy/preview")
        #expect(sources.last?.object?["repoURL"] == "https://github.com/acme/gitops.git")
        #expect(sources.last?.object?["path"] == "previews/baselines")
        #expect(application.value(at: "spec.destination.namespace") == "pr-1-shop")
        #expect(application.value(at: "metadata.finalizers") == ["resources-finalizer.argocd.argoproj.io"])
        #expect(application.value(at: "spec.syncPolicy.automated") == ["prune": true, "selfHeal": true])
        let options = application.value(at: "spec.syncPolicy.syncOptions")?.array?.compactMap(\.string) ?? []
        #expect(Set(options) == ["FailOnSharedResource=true", "PruneLast=true", "PrunePropagationPolicy=background", "ServerSideApply=true"])
        #expect(!options.contains { $0.hasPrefix("CreateNamespace") })
        #expect(application.stringMap(at: "metadata.labels")[Ownership.prLabel] == "1")

        // Sandcastle made the namespace with its baselines; the bundle is Argo CD's to sync.
        let quota = ResourceRef(apiVersion: "v1", kind: "ResourceQuota", namespace: "pr-1-shop", name: "sandcastle-quota")
        #expect(await h.fakeKube.object(quota) != nil)
        #expect(await h.fakeKube.object(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "pr-1-shop", name: "shop")) == nil)

        try await eventually("Ready once Argo CD reports Synced and Healthy") { await h.isReady(1, at: sha) }
        try await eventually("success on GitHub") { await Self.deployStatuses(h, sha).last?.state == "success" }
        let statuses = await Self.deployStatuses(h, sha)
        #expect(statuses.last?.state == "success")
        #expect(statuses.contains { $0.state == "pending" }, "pending while Argo CD syncs")
        let synced = try #require(await h.fakeKube.object(Self.application(1)))
        #expect(synced.value(at: "status.health.status") == "Healthy")
        #expect(await h.fakeKube.object(Self.synced(1)) != nil, "what the engine synced is there")

        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("the Application is being deleted") {
            await h.fakeKube.object(Self.application(1))?.value(at: "metadata.deletionTimestamp") != nil
        }
        #expect(await h.fakeKube.object(Self.project(1)) != nil, "the AppProject outlives its Application")
        try await Self.namespaceOutlives(Self.application(1), h, pr: 1)
        try await eventually("the namespace and the environment are gone") { await h.isGone(1) }
        #expect(await h.fakeKube.object(Self.project(1)) == nil)
        try await settle(instance)
    }

    @Test func aFailedArgoCDSyncReachesGitHub() async throws {
        let why = #"one or more objects failed to apply, reason: Deployment.apps "shop" is invalid: spec.replicas: Invalid value: -1"#
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 0.2, failures: ["pr-2-shop": why]))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(2, sha: sha)
        try await h.deliver("opened", pr: 2, to: instance)
        try await eventually("GitHub hears Argo CD's reason") { await Self.deployStatuses(h, sha).last?.state == "failure" }
        let description = await Self.deployStatuses(h, sha).last?.description ?? ""
        #expect(description.contains("Argo CD could not sync Application/pr-2-shop"), "\(description)")
        #expect(await h.environment(2)?.value(at: "status.phase") == "Failed")
        try await settle(instance)
    }

    @Test func aForeignApplicationOfTheSameNameIsNeverTouched() async throws {
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 0.2))
        defer { Task { await h.stop() } }
        let foreign = try await h.fakeKube.seed([
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": ["name": "pr-3-shop", "namespace": "argocd", "labels": ["team": "payments"]],
            "spec": [
                "project": "default", "destination": ["server": "https://kubernetes.default.svc", "namespace": "payments"],
                "sources": [["repoURL": "https://github.com/acme/payments.git", "targetRevision": "main", "path": "deploy"]],
            ],
        ])
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(3, sha: sha)
        try await h.deliver("opened", pr: 3, to: instance)
        try await eventually("the clash is reported") { await Self.deployStatuses(h, sha).last?.state == "failure" }
        #expect(await Self.deployStatuses(h, sha).last?.description?.contains("Application argocd/pr-3-shop is not managed by this preview") == true)

        await h.putPR(3, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 3, to: instance)
        try await eventually("the preview is gone") { await h.isGone(3) }
        let after = try #require(await h.fakeKube.object(Self.application(3)), "the foreign Application is still there")
        #expect(after["spec"] == foreign["spec"])
        #expect(after.value(at: "metadata.labels") == foreign.value(at: "metadata.labels"))
        #expect(after.value(at: "metadata.annotations") == nil)
        #expect(after.value(at: "metadata.deletionTimestamp") == nil)
        let writes = await h.fakeKube.requests.filter { $0.path.hasSuffix("/applications/pr-3-shop") && $0.method != "GET" }
        #expect(writes.isEmpty, "Sandcastle sent \(writes.map(\.method)) to the foreign Application")
        try await settle(instance)
    }

    @Test func fluxKustomizationFromOpenedToReadyToGone() async throws {
        let h = try await Self.start(sink: Self.fluxSink, simulation: GitOpsSimulation(syncAfter: 0.3, pruneAfter: 1))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(4, sha: sha)
        try await h.deliver("opened", pr: 4, to: instance)

        try await eventually("the Flux objects exist") { await h.fakeKube.object(Self.flux("Kustomization", 4)) != nil }
        let source = try #require(await h.fakeKube.object(Self.flux("GitRepository", 4)))
        #expect(source.value(at: "spec.ref.commit")?.string == sha)
        #expect(source.value(at: "spec.url")?.string == ArgoCDProject.repositoryURL(ControllerHarness.repo, apiURL: h.github.apiURL))
        #expect(source.value(at: "spec.interval") == "2m")
        let kustomization = try #require(await h.fakeKube.object(Self.flux("Kustomization", 4)))
        #expect(kustomization.value(at: "spec.path") == "./deploy/preview")
        #expect(kustomization.value(at: "spec.targetNamespace") == "pr-4-shop")
        #expect(kustomization.value(at: "spec.prune") == true)
        #expect(kustomization.value(at: "spec.wait") == true)
        #expect(kustomization.value(at: "spec.timeout") == "4m")
        #expect(kustomization.value(at: "spec.sourceRef") == ["kind": "GitRepository", "name": "pr-4-shop"])
        #expect(kustomization.value(at: "spec.serviceAccountName") == "pr-4-shop")
        #expect(kustomization.value(at: "spec.postBuild.substitute.PREVIEW_SHA")?.string == sha)
        #expect(kustomization.value(at: "spec.postBuild.substitute.PREVIEW_URL") == "https://shop-pr-4.preview.test")
        #expect(await h.fakeKube.object(Self.flux("ServiceAccount", 4)) != nil)
        let binding = try #require(
            await h.fakeKube.object(
                ResourceRef(apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", namespace: "pr-4-shop", name: "sandcastle-flux-deployer")
            ))
        #expect(binding.value(at: "roleRef.name") == "sandcastle-flux-deployer")
        #expect(binding.value(at: "subjects") == [["kind": "ServiceAccount", "name": "pr-4-shop", "namespace": "flux-system"]])

        try await eventually("Ready once Flux reports Ready at the head commit") { await h.isReady(4, at: sha) }
        let ready = try #require(await h.fakeKube.object(Self.flux("Kustomization", 4)))
        #expect(ready.value(at: "status.lastAppliedRevision")?.string == "sha1:\(sha)")
        try await eventually("success on GitHub") { await Self.deployStatuses(h, sha).last?.state == "success" }

        // A push: the source moves to the new commit and readiness waits for Flux to apply it.
        let next = try h.commitBundle(version: "2")
        await h.putPR(4, sha: next)
        try await h.deliver("synchronize", pr: 4, to: instance)
        try await eventually("Ready at the new commit") { await h.isReady(4, at: next) }
        #expect(await h.fakeKube.object(Self.flux("GitRepository", 4))?.value(at: "spec.ref.commit")?.string == next)
        #expect(await h.fakeKube.object(Self.flux("Kustomization", 4))?.value(at: "status.lastAppliedRevision")?.string == "sha1:\(next)")

        await h.putPR(4, sha: next, state: "closed")
        try await h.deliver("closed", pr: 4, to: instance)
        try await Self.namespaceOutlives(Self.flux("Kustomization", 4), h, pr: 4)
        try await eventually("everything is gone") { await h.isGone(4) }
        for kind in ["GitRepository", "ServiceAccount"] { #expect(await h.fakeKube.object(Self.flux(kind, 4)) == nil, "\(kind)") }
        try await settle(instance)
    }

    @Test func aFailedFluxKustomizationReachesGitHub() async throws {
        let why = "timeout waiting for: [Deployment/pr-5-shop/shop status: 'InProgress']"
        let h = try await Self.start(sink: Self.fluxSink, simulation: GitOpsSimulation(syncAfter: 0.2, failures: ["pr-5-shop": why]))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(5, sha: sha)
        try await h.deliver("opened", pr: 5, to: instance)
        try await eventually("GitHub hears Flux's reason") { await Self.deployStatuses(h, sha).last?.state == "failure" }
        let description = await Self.deployStatuses(h, sha).last?.description ?? ""
        #expect(description.contains("Kustomization/pr-5-shop: HealthCheckFailed"), "\(description)")
        #expect(description.components(separatedBy: "HealthCheckFailed").count == 2, "said once: \(description)")
        try await settle(instance)
    }

    @Test func fluxHelmReleaseForAHelmBundle() async throws {
        let h = try await Self.start(
            sink: Self.fluxSink,
            bundle:
                "{path: deploy/preview, kind: helm, helm: {releaseName: shop, valuesFiles: [values-preview.yaml], values: {image.tag: 'pr-{{ number }}-{{ shortSha }}'}}}",
            simulation: GitOpsSimulation(syncAfter: 0.3))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(6, sha: sha)
        try await h.deliver("opened", pr: 6, to: instance)
        try await eventually("Ready once the HelmRelease is Ready") { await h.isReady(6, at: sha) }
        let release = try #require(await h.fakeKube.object(Self.flux("HelmRelease", 6)))
        #expect(release.value(at: "spec.releaseName") == "shop")
        #expect(release.value(at: "spec.targetNamespace") == "pr-6-shop")
        #expect(release.value(at: "spec.chart.spec.chart") == "./deploy/preview")
        #expect(release.value(at: "spec.chart.spec.sourceRef") == ["kind": "GitRepository", "name": "pr-6-shop"])
        #expect(release.value(at: "spec.chart.spec.valuesFiles") == ["./deploy/preview/values-preview.yaml"])
        #expect(release.value(at: "spec.values.image.tag")?.string == "pr-6-\(sha.prefix(7))")
        #expect(release.value(at: "spec.values.preview.sha")?.string == sha)
        #expect(release.value(at: "spec.values.preview.url") == "https://shop-pr-6.preview.test")
        #expect(await h.fakeKube.object(Self.flux("Kustomization", 6)) == nil)
        await h.putPR(6, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 6, to: instance)
        try await eventually("everything is gone") { await h.isGone(6) }
        #expect(await h.fakeKube.object(Self.flux("HelmRelease", 6)) == nil)
        try await settle(instance)
    }

    @Test func theJanitorReapsOrphanedEngineObjectsOnly() async throws {
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 0.2))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        _ = try await h.openUntilReady(8, on: instance)
        func application(_ name: String, labels: ManifestObject, annotations: ManifestObject) -> ManifestObject {
            [
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": ["name": .string(name), "namespace": "argocd", "labels": .object(labels), "annotations": .object(annotations)],
                "spec": [
                    "project": "previews", "destination": ["namespace": .string(name)], "sources": [["repoURL": "https://github.com/acme/shop.git"]],
                ],
            ]
        }
        let ours: ManifestObject = [.init(Ownership.managedByLabel): .string(Ownership.managedByValue)]
        _ = try await h.fakeKube.seed(application("pr-90-shop", labels: ours, annotations: [.init(OwnershipCheck.uidAnnotation): "gone-uid"]))
        _ = try await h.fakeKube.seed(application("team-app", labels: ["team": "payments"], annotations: [:]))
        var options = ClusterSink.Options()
        options.engine = GitOpsEngine(sink: h.config.sink, forgeAPIURL: h.config.forge.apiURL)
        let sink = ClusterSink(client: instance.kubeClient, options: options)
        let reaped = try await sink.reapOrphans()
        #expect(reaped == ["Application argocd/pr-90-shop (its PreviewEnvironment gone-uid is gone)"])
        try await eventually("the orphan is pruned and gone") {
            await h.fakeKube.object(ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "pr-90-shop"))
                == nil
        }
        #expect(
            await h.fakeKube.object(ResourceRef(apiVersion: "argoproj.io/v1alpha1", kind: "Application", namespace: "argocd", name: "team-app"))
                != nil)
        #expect(await h.fakeKube.object(Self.application(8)) != nil, "a live preview's Application stays")
        try await settle(instance)
    }

    /// The same product as with the cluster sink: the seed Job runs once Argo CD reports the
    /// preview healthy, the sticky comment says Ready, the receipt is posted after the teardown.
    @Test func hooksTheCommentAndTheReceiptWorkTheSameThroughArgoCD() async throws {
        let seed = "{seed: {image: 'ghcr.io/acme/seed@sha256:\(String(repeating: "1", count: 64))', command: [/seed, '{{ url }}']}}"
        let h = try await Self.start(sink: Self.argocdSink, hooks: seed, simulation: GitOpsSimulation(syncAfter: 1.5))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(9, sha: sha)
        try await h.deliver("opened", pr: 9, to: instance)
        let job = ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: "pr-9-shop", name: "sandcastle-seed-\(sha.prefix(7))")
        let deadline = ContinuousClock.now + .seconds(30)
        while await h.fakeKube.object(job) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await h.fakeKube.object(job) != nil, "the seed Job was started")
        #expect(
            await h.fakeKube.object(Self.application(9))?.value(at: "status.health.status") == "Healthy",
            "the seed Job starts only once Argo CD reports the preview Healthy")
        try await eventually("the seed passed on GitHub") {
            await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha).contains { $0.context == "sandcastle/seed" && $0.state == "success" }
        }
        try await eventually("the sticky comment says Ready") { await h.comments(9).first?.body.contains("Ready") == true }
        await h.putPR(9, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 9, to: instance)
        try await eventually("the receipt is posted and the preview forgotten") {
            let environment = await h.environment(9)
            return await h.comments(9).first?.body.contains("Preview removed") == true && environment == nil
        }
        #expect(await h.comments(9).count == 1, "one sticky comment")
        try await settle(instance)
    }

    /// Drift outside the preview namespace: an Application deleted by hand is written again.
    @Test func anApplicationDeletedByHandIsRestored() async throws {
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 0.2, pruneAfter: 0.2))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(10, on: instance)
        try await settle(instance)
        // Argo CD writes the Application's status (with the object: its generation moves); that is
        // not drift, and an unchanged preview costs no writes.
        var refreshed = try #require(await h.fakeKube.object(Self.application(10)))
        refreshed.set("2030-01-01T00:00:00Z", at: "status.reconciledAt")
        await h.fakeKube.resetRequests()
        let rewritten = try await h.fakeKube.seed(refreshed)
        #expect(rewritten.value(at: "metadata.generation") != refreshed.value(at: "metadata.generation"), "the generation moved")
        try await Task.sleep(for: .seconds(1))
        try await settle(instance)
        let writes = await h.fakeKube.writeRequests.filter { $0.path.contains("/applications/") }
        #expect(writes.isEmpty, "Argo CD's status write is not drift: \(writes.map { "\($0.method) \($0.path)" })")

        let before = try #require(await h.fakeKube.object(Self.application(10)))
        _ = try await instance.kubeClient.delete(Self.application(10), propagation: .background, uid: nil)
        try await eventually("a new Application, through the watch", timeout: latencyBound(.seconds(10))) {
            guard let now = await h.fakeKube.object(Self.application(10)) else { return false }
            return now.value(at: "metadata.uid") != before.value(at: "metadata.uid") && now.value(at: "metadata.deletionTimestamp") == nil
        }
        try await eventually("Ready again") { await h.isReady(10, at: sha) }
        try await settle(instance)
    }

    @Test func aFailedHelmReleaseReachesGitHub() async throws {
        let h = try await Self.start(
            sink: Self.fluxSink, bundle: "{path: deploy/preview, kind: helm}",
            simulation: GitOpsSimulation(syncAfter: 0.2, failures: ["pr-11-shop": "template: shop/templates/deployment.yaml:12: nil pointer"]))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(11, sha: sha)
        try await h.deliver("opened", pr: 11, to: instance)
        try await eventually("GitHub hears Flux's reason") { await Self.deployStatuses(h, sha).last?.state == "failure" }
        let description = await Self.deployStatuses(h, sha).last?.description ?? ""
        #expect(
            description.contains("Flux stalled on HelmRelease/pr-11-shop: InstallFailed: Helm install failed for release: template:"),
            "\(description)")
        try await settle(instance)
    }

    /// A push moves the Application to the new commit; Ready waits until Argo CD has synced it.
    @Test func aPushMovesTheApplicationAndReadinessWaitsForTheNewCommit() async throws {
        let h = try await Self.start(sink: Self.argocdSink, simulation: GitOpsSimulation(syncAfter: 1))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let first = try await h.openUntilReady(12, on: instance)
        try await settle(instance)
        let next = try h.commitBundle(version: "2")
        await h.putPR(12, sha: next)
        try await h.deliver("synchronize", pr: 12, to: instance)
        try await eventually("the Application points at the new commit") {
            await h.fakeKube.object(Self.application(12))?.value(at: "spec.sources")?.array?.first?.object?["targetRevision"]?.string == next
        }
        try await eventually("Deploying at the new commit while Argo CD still reports the old one") {
            await h.environment(12)?.value(at: "status.message")?.string?.contains("sync Synced at \(first.prefix(12))") == true
        }
        try await eventually("Ready at the new commit") { await h.isReady(12, at: next) }
        try await eventually("success on the new commit") { await Self.deployStatuses(h, next).last?.state == "success" }
        let told = await Self.deployStatuses(h, next).map(\.state)
        #expect(told.first == "pending" && told.last == "success", "\(told)")
        try await settle(instance)
    }

    /// With a shared project, the Application refers to it and no AppProject is written; Argo CD's
    /// refusal of a project that does not exist reaches GitHub while the preview waits.
    @Test func aSharedProjectIsUsedAsConfiguredAndArgoCDsRefusalIsReported() async throws {
        let h = try await Self.start(sink: "{kind: argocd, argocd: {project: previews}}", simulation: GitOpsSimulation(syncAfter: 0.2))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(13, sha: sha)
        try await h.deliver("opened", pr: 13, to: instance)
        try await eventually("GitHub hears that the project does not exist") {
            await Self.deployStatuses(h, sha).last?.description?.contains(
                "InvalidSpecError: Application referencing project previews which does not exist")
                == true
        }
        #expect(await Self.deployStatuses(h, sha).last?.state == "pending")
        #expect(await h.fakeKube.object(Self.project(13)) == nil, "no AppProject of its own")
        // The platform team applies the shared project (as `sandcastle argocd project` prints it).
        _ = try await h.fakeKube.seed(ArgoCDProject.object(for: h.config))
        try await eventually("Ready once Argo CD can sync") { await h.isReady(13, at: sha) }
        try await settle(instance)
    }
}
