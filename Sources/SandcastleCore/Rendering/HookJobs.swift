/// The seed and verify Jobs configured under `hooks`, one per head commit.
///
/// A Job's pod template cannot change once created, so each commit gets its own Job name
/// (`sandcastle-seed-<shortSha>`); finished Jobs are cleaned up after a day.
public enum HookJobs {
    public static func objects(for context: RenderContext) -> [Manifest] {
        var out: [Manifest] = []
        if let seed = context.settings.hooks.seed { out.append(job("seed", seed, context)) }
        if let verify = context.settings.hooks.verify { out.append(job("verify", verify, context)) }
        return out
    }

    static func job(_ stage: String, _ hook: JobHook, _ context: RenderContext) -> Manifest {
        var container = ManifestObject([("name", .string(stage)), ("image", .string(hook.image))])
        if !hook.command.isEmpty { container["command"] = .array(hook.command.map(ManifestValue.string)) }
        container["securityContext"] = [
            "allowPrivilegeEscalation": false, "runAsNonRoot": true, "capabilities": ["drop": ["ALL"]], "seccompProfile": ["type": "RuntimeDefault"],
        ]
        let spec: ManifestValue = [
            "backoffLimit": 0,
            "activeDeadlineSeconds": .int(hook.timeout.seconds),
            "ttlSecondsAfterFinished": 86_400,
            "template": [
                "metadata": ["labels": ["sandcastle.dev/hook": .string(stage)]],
                "spec": ["restartPolicy": "Never", "automountServiceAccountToken": false, "containers": [.object(container)]],
            ],
        ]
        let metadata: ManifestValue = [
            "name": .string("sandcastle-\(stage)-\(context.sha.prefix(7))"), "labels": ["sandcastle.dev/hook": .string(stage)],
        ]
        return Manifest(
            object: ManifestObject([("apiVersion", "batch/v1"), ("kind", "Job"), ("metadata", metadata), ("spec", spec)]), source: "sandcastle")
    }
}
