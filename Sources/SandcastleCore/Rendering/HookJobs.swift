/// A seed or verify Job of a preview: held back from the apply and run in order once the
/// preview is ready (``Planner/next(_:settings:now:)`` decides when).
public struct HookJob: Sendable, Hashable {
    public var stage: HookResult.Stage
    /// The Job, named for the head commit, with the preview's environment in every container.
    public var manifest: Manifest
    /// Verify only: how long after the seed succeeded (or the preview became ready) it starts.
    public var delay: ConfigDuration?

    public init(stage: HookResult.Stage, manifest: Manifest, delay: ConfigDuration? = nil) {
        self.stage = stage
        self.manifest = manifest
        self.delay = delay
    }

    /// What the planner needs to know of it.
    public var spec: HookSpec { HookSpec(stage: stage, job: manifest.name, delay: delay) }
}

/// The seed and verify Jobs of a preview: configured under `hooks`, or Jobs of the bundle annotated
/// `sandcastle.dev/hook: seed` or `verify`.
///
/// A Job's pod template cannot change once created, so each commit gets its own Job name
/// (`sandcastle-seed-<shortSha>`, or the bundle Job's name with `-<shortSha>`); finished Jobs are
/// cleaned up after a day. Every container gets the preview's address (`SANDCASTLE_URL`, …), the
/// database Secret when the database is enabled, and `terminationMessagePolicy:
/// FallbackToLogsOnError`, so a failure's last output can be shown to the reviewer.
public enum HookJobs {
    /// The annotation that makes a bundle Job a hook.
    public static let annotation = "sandcastle.dev/hook"
    /// The annotation giving a bundle verify Job its delay (`90s`).
    public static let delayAnnotation = "sandcastle.dev/hook-delay"
    /// The label naming a hook Job's stage.
    public static let stageLabel = "sandcastle.dev/hook"
    /// The label naming the head commit a hook Job runs for.
    public static let shaLabel = "sandcastle.dev/sha"
    /// How long a bundle hook Job without `activeDeadlineSeconds` may run.
    public static let defaultDeadlineSeconds = 600

    /// Splits the bundle into the objects applied with the preview and its annotated hook Jobs.
    public static func split(_ bundle: [Manifest]) throws(RenderError) -> (objects: [Manifest], hooks: [(HookResult.Stage, Manifest)]) {
        var objects: [Manifest] = []
        var hooks: [(HookResult.Stage, Manifest)] = []
        var issues: [RenderError.Issue] = []
        for object in bundle {
            guard let value = object.metadata["annotations"]?.object?[annotation]?.string else {
                objects.append(object)
                continue
            }
            guard object.kind == "Job", object.apiVersion == "batch/v1" else {
                issues.append(.init(location: object.reference, message: "'\(annotation)' is only allowed on a batch/v1 Job"))
                continue
            }
            guard let stage = HookResult.Stage(rawValue: value) else {
                issues.append(.init(location: object.reference, message: "'\(annotation): \(value)' must be 'seed' or 'verify'"))
                continue
            }
            if let delay = object.metadata["annotations"]?.object?[delayAnnotation]?.string {
                guard stage == .verify else {
                    issues.append(.init(location: object.reference, message: "'\(delayAnnotation)' applies to the verify hook only"))
                    continue
                }
                guard let parsed = ConfigDuration(parsing: delay), parsed.seconds <= 3600 else {
                    issues.append(
                        .init(location: object.reference, message: "'\(delayAnnotation): \(delay)' must be a duration of at most 1h, like 90s"))
                    continue
                }
            }
            hooks.append((stage, object))
        }
        guard issues.isEmpty else { throw RenderError("the bundle's hook Jobs are invalid; nothing was rendered", issues: issues) }
        return (objects, hooks)
    }

    /// The hook Jobs of a preview, from the configuration and the bundle; at most one per stage.
    public static func jobs(configured settings: HookSettings, bundle: [(HookResult.Stage, Manifest)], context: RenderContext) throws(RenderError)
        -> [HookJob]
    {
        var jobs: [HookJob] = []
        var issues: [RenderError.Issue] = []
        for stage in HookResult.Stage.allCases {
            let hook = stage == .seed ? settings.seed : settings.verify
            let fromBundle = bundle.filter { $0.0 == stage }.map(\.1)
            if fromBundle.count > 1 || (hook != nil && !fromBundle.isEmpty) {
                let places = fromBundle.map(\.reference) + (hook == nil ? [] : ["hooks.\(stage.rawValue) in the configuration"])
                issues.append(.init(location: places.joined(separator: ", "), message: "more than one \(stage.rawValue) hook; keep one"))
                continue
            }
            if let hook {
                jobs.append(
                    HookJob(stage: stage, manifest: prepare(configuredJob(stage, hook, context), stage: stage, context: context), delay: hook.delay))
            } else if let job = fromBundle.first {
                let delay = job.metadata["annotations"]?.object?[delayAnnotation]?.string.flatMap(ConfigDuration.init(parsing:))
                jobs.append(HookJob(stage: stage, manifest: prepare(job, stage: stage, context: context), delay: delay))
            }
        }
        guard issues.isEmpty else { throw RenderError("the preview's hooks conflict; nothing was rendered", issues: issues) }
        return jobs
    }

    /// The environment every hook container gets.
    public static func environment(_ context: RenderContext) -> [(String, String)] {
        [
            ("SANDCASTLE_URL", "https://\(context.names.host)"), ("SANDCASTLE_HOST", context.names.host),
            ("SANDCASTLE_NAMESPACE", context.names.namespace), ("SANDCASTLE_REPOSITORY", context.key.repository.description),
            ("SANDCASTLE_PR", String(context.key.number)), ("SANDCASTLE_SHA", context.sha),
        ]
    }

    /// The Job's name for this commit: `<base>-<shortSha>`, at most 63 characters (the Job
    /// controller copies it into a pod label).
    static func name(_ base: String, sha: String) -> String {
        let suffix = "-" + sha.prefix(7)
        var trimmed = String(base.prefix(63 - suffix.count))
        while trimmed.hasSuffix("-") || trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed + suffix
    }

    static func configuredJob(_ stage: HookResult.Stage, _ hook: JobHook, _ context: RenderContext) -> Manifest {
        let variables = context.variables
        func filled(_ text: String) -> String { (try? Template(parsing: text).render(variables)) ?? text }
        var container = ManifestObject([("name", .string(stage.rawValue)), ("image", .string(hook.image))])
        if !hook.command.isEmpty { container["command"] = .array(hook.command.map { .string(filled($0)) }) }
        if !hook.args.isEmpty { container["args"] = .array(hook.args.map { .string(filled($0)) }) }
        if !hook.env.isEmpty {
            container["env"] = .array(
                hook.env.map { variable in
                    switch variable.source {
                    case .value(let value): ["name": .string(variable.name), "value": .string(value)]
                    case .secretKey(let name, let key):
                        ["name": .string(variable.name), "valueFrom": ["secretKeyRef": ["name": .string(name), "key": .string(key)]]]
                    case .configMapKey(let name, let key):
                        ["name": .string(variable.name), "valueFrom": ["configMapKeyRef": ["name": .string(name), "key": .string(key)]]]
                    }
                })
        }
        if !hook.envFrom.isEmpty {
            container["envFrom"] = .array(
                hook.envFrom.map { source in
                    source.kind == .secret ? ["secretRef": ["name": .string(source.name)]] : ["configMapRef": ["name": .string(source.name)]]
                })
        }
        container["securityContext"] = [
            "allowPrivilegeEscalation": false, "runAsNonRoot": true, "capabilities": ["drop": ["ALL"]], "seccompProfile": ["type": "RuntimeDefault"],
        ]
        let spec: ManifestValue = [
            "backoffLimit": 0,
            "activeDeadlineSeconds": .int(hook.timeout.seconds),
            "template": [
                "spec": ["restartPolicy": "Never", "automountServiceAccountToken": false, "containers": [.object(container)]]
            ],
        ]
        return Manifest(
            object: ManifestObject([
                ("apiVersion", "batch/v1"), ("kind", "Job"), ("metadata", ["name": .string("sandcastle-\(stage.rawValue)")]), ("spec", spec),
            ]),
            source: "sandcastle")
    }

    /// Names the Job for the commit, labels it and its pods, and gives every container the
    /// preview's environment and a termination message that falls back to the log's tail.
    static func prepare(_ job: Manifest, stage: HookResult.Stage, context: RenderContext) -> Manifest {
        var job = job
        var metadata = job.metadata
        metadata["name"] = .string(name(job.name, sha: context.sha))
        if var annotations = metadata["annotations"]?.object {
            annotations[annotation] = nil
            annotations[delayAnnotation] = nil
            metadata["annotations"] = annotations.pairs.isEmpty ? nil : .object(annotations)
        }
        job.metadata = metadata
        let labels = [stageLabel: stage.rawValue, shaLabel: context.sha]
        job.merge(labels, into: "labels")
        job.mergePodTemplateLabels(labels)
        if job.object.value(at: "spec.activeDeadlineSeconds") == nil {
            job.object.set(.int(defaultDeadlineSeconds), at: "spec.activeDeadlineSeconds")
        }
        if job.object.value(at: "spec.ttlSecondsAfterFinished") == nil { job.object.set(.int(86_400), at: "spec.ttlSecondsAfterFinished") }
        if let pull = context.pullSecretName {
            var secrets = job.object.value(at: "spec.template.spec.imagePullSecrets")?.array ?? []
            if !secrets.contains(["name": .string(pull)]) { secrets.append(["name": .string(pull)]) }
            job.object.set(.array(secrets), at: "spec.template.spec.imagePullSecrets")
        }
        let ours = environment(context)
        let reserved = Set(ours.map(\.0))
        for field in ["containers", "initContainers"] {
            let path = "spec.template.spec.\(field)"
            guard let containers = job.object.value(at: path)?.array else { continue }
            job.object.set(
                .array(
                    containers.map { value in
                        guard var container = value.object else { return value }
                        let theirs = (container["env"]?.array ?? []).filter { !reserved.contains($0.object?["name"]?.string ?? "") }
                        container["env"] = .array(ours.map { ["name": .string($0.0), "value": .string($0.1)] } + theirs)
                        if context.settings.database.enabled {
                            container["envFrom"] = .array(
                                [["secretRef": ["name": .string(DatabaseCredentials.secretName)]]] + (container["envFrom"]?.array ?? []))
                        }
                        container["terminationMessagePolicy"] = "FallbackToLogsOnError"
                        return .object(container)
                    }), at: path)
        }
        return Manifest(object: job.object, source: job.source)
    }
}

/// What the planner knows of a hook Job: its stage, name and delay.
public struct HookSpec: Sendable, Hashable {
    public var stage: HookResult.Stage
    public var job: String
    public var delay: ConfigDuration?

    public init(stage: HookResult.Stage, job: String, delay: ConfigDuration? = nil) {
        self.stage = stage
        self.job = job
        self.delay = delay
    }
}
