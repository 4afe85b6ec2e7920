/// Whether the GitOps engine has synced a preview, judged from the status its controllers write:
/// an Argo CD Application is ready when `sync.status` is `Synced` at the head SHA and
/// `health.status` is `Healthy`; a Flux object when its `Ready` condition is `True` for its
/// current generation (a Kustomization at the head SHA as `lastAppliedRevision`, a
/// `GitRepository` with an artifact of it). While not, the engine's own words say why.
public enum GitOpsReadiness {
    /// The kinds judged (as engine objects; ServiceAccounts count as ready once applied).
    public static let kinds: Set<String> = ["Application", "GitRepository", "HelmRepository", "OCIRepository", "Kustomization", "HelmRelease"]

    /// Judges an engine object read back from the API server, for the commit `sha`.
    public static func judge(_ object: ManifestObject, sha: String) -> WorkloadReadiness {
        switch object["kind"]?.string ?? "" {
        case "Application": application(object, sha: sha)
        case let kind where kinds.contains(kind): flux(object, sha: sha)
        default: .ready
        }
    }

    /// What the engine says is wrong while `object` is not ready, as opposed to routine progress
    /// (syncing, a dependency not ready yet): GitHub hears these, routine progress once.
    public static func complaints(_ object: ManifestObject) -> [String] {
        let conditions = (object.value(at: "status.conditions")?.array ?? []).compactMap(\.object)
        if object["kind"]?.string == "Application" {
            var lines = conditions.filter { ($0["type"]?.string ?? "").hasSuffix("Error") }.map {
                "\($0["type"]?.string ?? "Error"): \($0["message"]?.string ?? "")"
            }
            if let health = object.value(at: "status.health.status")?.string, health == "Degraded" {
                lines.append("health Degraded" + (object.value(at: "status.health.message")?.string.map { ": \($0)" } ?? ""))
            }
            return lines
        }
        guard let ready = conditions.first(where: { $0["type"]?.string == "Ready" }), ready["status"]?.string == "False",
            let reason = ready["reason"]?.string, !routineReasons.contains(reason)
        else { return [] }
        return ["\(reason): \(ready["message"]?.string ?? "")"]
    }

    /// Flux reasons for a Ready condition that is False while things are on their way.
    static let routineReasons: Set<String> = ["Progressing", "ProgressingWithRetry", "DependencyNotReady", "Reconciling"]

    /// `Application/pr-7-shop`.
    static func label(_ object: ManifestObject) -> String {
        "\(object["kind"]?.string ?? "?")/\(object.value(at: "metadata.name")?.string ?? "?")"
    }

    private static func application(_ object: ManifestObject, sha: String) -> WorkloadReadiness {
        let name = label(object)
        let syncStatus = object.value(at: "status.sync.status")?.string ?? "Unknown"
        let revisions =
            [object.value(at: "status.sync.revision")?.string].compactMap { $0 }
            + (object.value(at: "status.sync.revisions")?.array ?? []).compactMap(\.string)
        let health = object.value(at: "status.health.status")?.string ?? "Unknown"
        let atHead = revisions.contains(sha)
        if let operation = object.value(at: "status.operationState")?.object, let phase = operation["phase"]?.string,
            ["Failed", "Error"].contains(phase)
        {
            let operationRevisions =
                [operation["syncResult"]?.object?["revision"]?.string, operation["operation"]?.object?["sync"]?.object?["revision"]?.string]
                .compactMap { $0 } + (operation["syncResult"]?.object?["revisions"]?.array ?? []).compactMap(\.string)
            if operationRevisions.contains(sha) || operationRevisions.isEmpty {
                return .failed("Argo CD could not sync \(name) at \(sha.prefix(12)): \(operation["message"]?.string ?? phase)")
            }
        }
        let errors = (object.value(at: "status.conditions")?.array ?? []).compactMap(\.object).filter {
            ($0["type"]?.string ?? "").hasSuffix("Error")
        }
        if let error = errors.first {
            return .progressing("\(name): \(error["type"]?.string ?? "Error"): \(error["message"]?.string ?? "")")
        }
        if atHead, syncStatus == "Synced", health == "Healthy" { return .ready }
        var why = "\(name): waiting for Argo CD (sync \(syncStatus)"
        why += atHead ? " at \(sha.prefix(12))" : (revisions.first.map { " at \($0.prefix(12))" } ?? "")
        why += ", health \(health))"
        if let message = object.value(at: "status.health.message")?.string, !message.isEmpty { why += ": \(message)" }
        return .progressing(why)
    }

    private static func flux(_ object: ManifestObject, sha: String) -> WorkloadReadiness {
        let name = label(object)
        let conditions = (object.value(at: "status.conditions")?.array ?? []).compactMap(\.object)
        func condition(_ type: String) -> ManifestObject? { conditions.first { $0["type"]?.string == type } }
        let generation = int(object, "metadata.generation") ?? 0
        guard (int(object, "status.observedGeneration") ?? -1) >= generation else {
            return .progressing("\(name): waiting for Flux to reconcile the new spec")
        }
        if let stalled = condition("Stalled"), stalled["status"]?.string == "True" {
            // The Ready condition holds the cause (e.g. the chart's template error); Stalled says Flux gave up.
            let stalledWhy = "\(stalled["reason"]?.string ?? "Stalled"): \(stalled["message"]?.string ?? "")"
            if let ready = condition("Ready"), ready["status"]?.string == "False", let message = ready["message"]?.string, !message.isEmpty {
                return .failed("Flux stalled on \(name): \(ready["reason"]?.string ?? "NotReady"): \(message) (\(stalledWhy))")
            }
            return .failed("Flux stalled on \(name): \(stalledWhy)")
        }
        guard let ready = condition("Ready") else { return .progressing("\(name): waiting for Flux") }
        let reason = ready["reason"]?.string ?? ""
        let message = ready["message"]?.string ?? ""
        switch ready["status"]?.string {
        case "True":
            switch object["kind"]?.string {
            case "Kustomization":
                guard revisionMatches(object.value(at: "status.lastAppliedRevision")?.string, sha) else {
                    return .progressing("\(name): waiting for Flux to apply \(sha.prefix(12))")
                }
            case "GitRepository":
                guard revisionMatches(object.value(at: "status.artifact.revision")?.string, sha) else {
                    return .progressing("\(name): waiting for Flux to fetch \(sha.prefix(12))")
                }
            default: break
            }
            return .ready
        case "False":
            // A failure Flux reports for the head commit will not heal without a change to it.
            let attempted = object.value(at: "status.lastAttemptedRevision")?.string
            if terminalReasons.contains(reason), object["kind"]?.string != "Kustomization" || revisionMatches(attempted, sha) {
                return .failed("Flux could not reconcile \(name): \(reason): \(message)")
            }
            return .progressing("\(name): \(reason): \(message)")
        default:
            return .progressing("\(name): \(reason.isEmpty ? "reconciling" : reason)\(message.isEmpty ? "" : ": \(message)")")
        }
    }

    /// Reasons Flux gives for a failure of the current revision (not a transient one).
    static let terminalReasons: Set<String> = ["BuildFailed", "HealthCheckFailed", "InstallFailed", "UpgradeFailed", "ArtifactFailed"]

    /// Flux writes revisions as `sha1:<sha>` or `<branch>@sha1:<sha>`.
    static func revisionMatches(_ revision: String?, _ sha: String) -> Bool {
        guard let revision else { return false }
        return revision == sha || revision.hasSuffix(":" + sha) || revision.hasSuffix("/" + sha)
    }

    private static func int(_ object: ManifestObject, _ path: String) -> Int? {
        if case .int(let value) = object.value(at: path) { return value }
        return nil
    }
}
