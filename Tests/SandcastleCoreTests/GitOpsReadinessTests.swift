import SandcastleCore
import Testing

/// Readiness from the engines' status, one row per state their documentation describes.
@Suite struct GitOpsReadinessTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"
    static let old = "fedcba9876543210fedcba9876543210fedcba98"

    static func application(_ status: ManifestObject) -> ManifestObject {
        ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "pr-7-shop", "generation": 3], "status": .object(status)]
    }

    static func flux(_ kind: String, generation: Int = 2, _ status: ManifestObject) -> ManifestObject {
        ["kind": .string(kind), "metadata": ["name": "pr-7-shop", "generation": .int(generation)], "status": .object(status)]
    }

    static func ready(_ status: String, _ reason: String, _ message: String = "") -> ManifestValue {
        ["type": "Ready", "status": .string(status), "reason": .string(reason), "message": .string(message)]
    }

    @Test func anApplicationIsReadyWhenSyncedAtTheHeadAndHealthy() {
        let synced = Self.application(["sync": ["status": "Synced", "revisions": [.string(Self.sha), "main"]], "health": ["status": "Healthy"]])
        #expect(GitOpsReadiness.judge(synced, sha: Self.sha) == .ready)
        let single = Self.application(["sync": ["status": "Synced", "revision": .string(Self.sha)], "health": ["status": "Healthy"]])
        #expect(GitOpsReadiness.judge(single, sha: Self.sha) == .ready)
    }

    static let waiting: [(ManifestObject, String)] = {
        var rows: [(ManifestObject, String)] = []
        let olderSync: ManifestObject = ["status": "Synced", "revision": .string(old)]
        rows.append((["sync": .object(olderSync), "health": ["status": "Healthy"]], "sync Synced at fedcba987654, health Healthy"))
        let outOfSync: ManifestObject = ["status": "OutOfSync", "revision": .string(sha)]
        rows.append((["sync": .object(outOfSync), "health": ["status": "Missing"]], "sync OutOfSync at 0123456789ab, health Missing"))
        let synced: ManifestObject = ["status": "Synced", "revision": .string(sha)]
        let progressing: ManifestObject = ["status": "Progressing", "message": "Waiting for rollout to finish"]
        rows.append((["sync": .object(synced), "health": .object(progressing)], "health Progressing): Waiting for rollout to finish"))
        let degraded: ManifestObject = ["status": "Degraded", "message": "Back-off pulling image"]
        rows.append((["sync": .object(synced), "health": .object(degraded)], "health Degraded): Back-off pulling image"))
        let condition: ManifestObject = ["type": "ComparisonError", "message": "repository not accessible"]
        rows.append((["conditions": [.object(condition)]], "ComparisonError: repository not accessible"))
        rows.append(([:], "sync Unknown, health Unknown"))
        return rows
    }()

    @Test(arguments: waiting)
    func anApplicationNotYetThereSaysWhy(status: ManifestObject, words: String) {
        guard case .progressing(let why) = GitOpsReadiness.judge(Self.application(status), sha: Self.sha) else {
            Issue.record("expected progressing")
            return
        }
        #expect(why.contains(words), "\(why)")
        #expect(why.hasPrefix("Application/pr-7-shop"))
    }

    @Test func aFailedSyncOfTheHeadFailsAndOneOfAnOlderCommitDoesNot() {
        let failed: ManifestObject = [
            "phase": "Failed", "message": "one or more objects failed to apply", "syncResult": ["revisions": [.string(Self.sha)]],
        ]
        #expect(
            GitOpsReadiness.judge(Self.application(["operationState": .object(failed)]), sha: Self.sha)
                == .failed("Argo CD could not sync Application/pr-7-shop at 0123456789ab: one or more objects failed to apply"))
        var older = failed
        older["syncResult"] = ["revisions": [.string(Self.old)]]
        guard case .progressing = GitOpsReadiness.judge(Self.application(["operationState": .object(older)]), sha: Self.sha) else {
            Issue.record("a failure of the previous commit does not fail the new one")
            return
        }
    }

    @Test func fluxObjectsAreReadyForTheirGenerationAndTheHeadRevision() {
        let kustomization = Self.flux(
            "Kustomization",
            [
                "observedGeneration": 2, "lastAppliedRevision": .string("main@sha1:\(Self.sha)"),
                "conditions": [Self.ready("True", "ReconciliationSucceeded")],
            ])
        #expect(GitOpsReadiness.judge(kustomization, sha: Self.sha) == .ready)
        let source = Self.flux(
            "GitRepository",
            ["observedGeneration": 2, "artifact": ["revision": .string("sha1:\(Self.sha)")], "conditions": [Self.ready("True", "Succeeded")]])
        #expect(GitOpsReadiness.judge(source, sha: Self.sha) == .ready)
        let release = Self.flux("HelmRelease", ["observedGeneration": 2, "conditions": [Self.ready("True", "InstallSucceeded")]])
        #expect(GitOpsReadiness.judge(release, sha: Self.sha) == .ready)
    }

    @Test func fluxObjectsNotYetThereSayWhy() {
        let stale = Self.flux("HelmRelease", ["observedGeneration": 1, "conditions": [Self.ready("True", "InstallSucceeded")]])
        #expect(GitOpsReadiness.judge(stale, sha: Self.sha) == .progressing("HelmRelease/pr-7-shop: waiting for Flux to reconcile the new spec"))
        let previous = Self.flux(
            "Kustomization",
            [
                "observedGeneration": 2, "lastAppliedRevision": .string("sha1:\(Self.old)"),
                "conditions": [Self.ready("True", "ReconciliationSucceeded")],
            ])
        #expect(GitOpsReadiness.judge(previous, sha: Self.sha) == .progressing("Kustomization/pr-7-shop: waiting for Flux to apply 0123456789ab"))
        let notReady = Self.flux(
            "Kustomization",
            ["observedGeneration": 2, "conditions": [Self.ready("False", "DependencyNotReady", "source 'GitRepository/pr-7-shop' is not ready")]])
        #expect(
            GitOpsReadiness.judge(notReady, sha: Self.sha)
                == .progressing("Kustomization/pr-7-shop: DependencyNotReady: source 'GitRepository/pr-7-shop' is not ready"))
        #expect(
            GitOpsReadiness.judge(Self.flux("Kustomization", [:]), sha: Self.sha)
                == .progressing("Kustomization/pr-7-shop: waiting for Flux to reconcile the new spec"))
    }

    @Test func fluxFailuresOfTheHeadFail() {
        let health = Self.flux(
            "Kustomization",
            [
                "observedGeneration": 2, "lastAttemptedRevision": .string("sha1:\(Self.sha)"),
                "conditions": [Self.ready("False", "HealthCheckFailed", "timeout waiting for: [Deployment/pr-7-shop/web status: 'InProgress']")],
            ])
        #expect(
            GitOpsReadiness.judge(health, sha: Self.sha)
                == .failed(
                    "Flux could not reconcile Kustomization/pr-7-shop: HealthCheckFailed: timeout waiting for: [Deployment/pr-7-shop/web status: 'InProgress']"
                ))
        var older = health
        older.set(.string("sha1:\(Self.old)"), at: "status.lastAttemptedRevision")
        guard case .progressing = GitOpsReadiness.judge(older, sha: Self.sha) else {
            Issue.record("a failure of the previous commit does not fail the new one")
            return
        }
        let stalled = Self.flux(
            "HelmRelease",
            [
                "observedGeneration": 2,
                "conditions": [
                    Self.ready("False", "InstallFailed", "Helm install failed"),
                    ["type": "Stalled", "status": "True", "reason": "RetriesExceeded", "message": "Failed to install after 1 attempt(s)"],
                ],
            ])
        #expect(
            GitOpsReadiness.judge(stalled, sha: Self.sha)
                == .failed(
                    "Flux stalled on HelmRelease/pr-7-shop: InstallFailed: Helm install failed (RetriesExceeded: Failed to install after 1 attempt(s))"
                ))
    }

    @Test func complaintsAreWhatTheEngineSaysIsWrongNotRoutineProgress() {
        let degraded = Self.application([
            "health": ["status": "Degraded", "message": "Back-off pulling image ghcr.io/acme/shop:pr-7"],
            "conditions": [["type": "ComparisonError", "message": "repository not accessible"]],
        ])
        #expect(
            GitOpsReadiness.complaints(degraded) == [
                "ComparisonError: repository not accessible", "health Degraded: Back-off pulling image ghcr.io/acme/shop:pr-7",
            ])
        #expect(GitOpsReadiness.complaints(Self.application(["sync": ["status": "OutOfSync"], "health": ["status": "Progressing"]])).isEmpty)
        let waiting = Self.flux("Kustomization", ["conditions": [Self.ready("False", "DependencyNotReady", "source not ready")]])
        #expect(GitOpsReadiness.complaints(waiting).isEmpty, "routine")
        let broken = Self.flux(
            "Kustomization", ["conditions": [Self.ready("False", "BuildFailed", "kustomize build failed: accumulating resources")]])
        #expect(GitOpsReadiness.complaints(broken) == ["BuildFailed: kustomize build failed: accumulating resources"])
    }
}
