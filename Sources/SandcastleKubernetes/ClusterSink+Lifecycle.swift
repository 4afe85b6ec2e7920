import Foundation
import SandcastleCore

/// What the lifecycle observes and records on a cluster: the environment with its namespace,
/// drift, workload readiness and hooks; the status and what GitHub was told; a teardown that
/// deletes the namespace and returns, and forgets the environment once the namespace is gone.
extension ClusterSink {
    /// Everything observed about the environment of `key`; `nil` when it has none.
    public func observe(_ key: PreviewKey) async throws -> EnvironmentFact? { try await observe(key, checkingDrift: true) }

    /// Right after an apply: the workloads and hooks only (one list per workload kind), not the
    /// drift of every other kind, which the apply just repaired.
    public func observeAfterApply(_ key: PreviewKey) async throws -> EnvironmentFact? { try await observe(key, checkingDrift: false) }

    private func observe(_ key: PreviewKey, checkingDrift: Bool) async throws -> EnvironmentFact? {
        guard let environment = try await environment(of: key), !PreviewEnvironment.isWaiting(environment) else { return nil }
        let uid = environment.value(at: "metadata.uid")?.string ?? ""
        let namespaceName = environment.value(at: "spec.namespace")?.string ?? environment.value(at: "metadata.name")?.string ?? ""
        let sha = environment.value(at: "status.headSHA")?.string ?? environment.value(at: "spec.headSHA")?.string ?? ""
        var fact = EnvironmentFact(
            namespace: namespaceName, sha: sha,
            contentHash: environment.stringMap(at: "metadata.annotations")[PreviewEnvironment.contentHashAnnotation] ?? "",
            createdAt: environment.value(at: "metadata.creationTimestamp")?.string.flatMap(RFC3339.date) ?? Date(timeIntervalSince1970: 0),
            deployStartedAt: environment.value(at: "status.deployStartedAt")?.string.flatMap(RFC3339.date),
            appliedAt: environment.value(at: "status.appliedAt")?.string.flatMap(RFC3339.date),
            applyFailure: environment.value(at: "status.applyFailure")?.string,
            recorded: PreviewEnvironment.recordedStatus(of: environment), reported: PreviewEnvironment.reported(of: environment),
            teardownReason: environment.value(at: "status.teardownReason")?.string, generation: Self.generation(environment))
        if fact.teardownReason != nil {
            // The engine prunes what it synced before its objects go; the namespace waits for that.
            // While one is being removed the teardown waits; once none is, the next is deleted
            // (the namespace, still active, is what the planner deletes: `deleteNamespace`).
            let remaining = try await remainingEngine(environment)
            if !remaining.deleting.isEmpty {
                fact.namespaceState = .terminating(
                    since: nil, detail: "waiting for the GitOps engine to prune and remove \(remaining.deleting.joined(separator: ", "))")
                fact.workloads = .observed([])
                return fact
            }
            if remaining.undeleted {
                fact.workloads = .observed([])
                return fact  // namespace active: the planner deletes the next engine object
            }
        }
        guard let namespace = try await client.get(ResourceRef(apiVersion: "v1", kind: "Namespace", name: namespaceName)) else {
            fact.namespaceState = .missing
            fact.workloads = .observed([])
            return fact
        }
        if namespace.value(at: "metadata.deletionTimestamp") != nil {
            let conditions = Self.namespaceConditions(namespace)
            let blocking = conditions.filter(\.status).map { "\($0.reason): \($0.message)" }
            let since = namespace.value(at: "metadata.deletionTimestamp")?.string.flatMap(RFC3339.date)
            fact.namespaceState = .terminating(since: since, detail: blocking.joined(separator: "; "))
            fact.namespaceConditions = conditions
            fact.workloads = .observed([])
            return fact
        }
        guard OwnershipCheck.isOwned(namespace, uid: uid) else {
            fact.applyFailure = KubernetesError.nameConflict(namespace: namespaceName).description
            fact.workloads = .observed([])
            return fact
        }
        let inventory = PreviewEnvironment.inventory(of: environment)
        let looked = checkingDrift ? inventory : inventory.filter { Self.judgedKinds.contains($0.kind) }
        let live = try await liveObjects(of: looked, namespace: namespaceName)
        fact.drift = fact.contentHash.isEmpty ? [] : Inventory.drift(recorded: looked, live: live.mapValues(Self.generation))
        if checkingDrift, !fact.contentHash.isEmpty { fact.drift += try await staleCopies(live.values) }
        let engine = try await observeEngine(environment, sha: sha)
        if !fact.contentHash.isEmpty { fact.drift += engine.drift }
        let workloads = try await workloads(inventory, live: live, namespace: namespaceName) + engine.facts
        fact.workloads = .observed(workloads)
        fact.readySince = Self.readySince(environment)
        // Hook Jobs start only once every workload is ready; before that there is nothing to read.
        if workloads.allSatisfy({ $0.readiness == .ready }), environment.value(at: "status.headSHA")?.string == sha {
            let names = (environment.value(at: "status.hookJobs")?.array ?? []).compactMap(\.string)
            fact.hooks = try await hooks(names, namespace: namespaceName, sha: sha)
        }
        return fact
    }

    /// When the recorded status last turned Ready.
    static func readySince(_ environment: ManifestObject) -> Date? {
        guard environment.value(at: "status.phase")?.string == PreviewPhase.ready.rawValue else { return nil }
        let ready = (environment.value(at: "status.conditions")?.array ?? []).first { $0.object?["type"]?.string == PreviewConditionType.ready.rawValue }
        return ready?.object?["lastTransitionTime"]?.string.flatMap(RFC3339.date)
    }

    /// The hook Jobs named in the status, as the Job controller reports them; for a failed one,
    /// the last output of its pod (the termination message, bounded, secrets redacted).
    func hooks(_ names: [String], namespace: String, sha: String) async throws -> [HookResult] {
        var results: [HookResult] = []
        for name in names {
            guard let job = try await client.get(ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: namespace, name: name)),
                job.stringMap(at: "metadata.labels")[HookJobs.shaLabel] == sha,
                let stage = job.stringMap(at: "metadata.labels")[HookJobs.stageLabel].flatMap(HookResult.Stage.init(rawValue:))
            else { continue }
            var result = HookResult(
                stage: stage, state: .running, detail: "running", job: name,
                startedAt: (job.value(at: "status.startTime") ?? job.value(at: "metadata.creationTimestamp"))?.string.flatMap(RFC3339.date),
                finishedAt: job.value(at: "status.completionTime")?.string.flatMap(RFC3339.date))
            switch WorkloadReadiness.judge(job) {
            case .ready: result.state = .succeeded
            case .progressing: break
            case .failed(let why):
                result.state = .failed
                result.detail = Self.hookFailure(job) ?? why
                result.finishedAt = result.finishedAt ?? Self.failedAt(job)
                let pods = try await client.list(
                    apiVersion: "v1", kind: "Pod", namespace: namespace, labelSelector: "batch.kubernetes.io/job-name=\(name)")
                result.output = HookOutputText.lastOutput(of: pods).map(HookOutputText.redact)
            }
            results.append(result)
        }
        return results
    }

    /// Words for a failed hook Job: a timeout says so.
    static func hookFailure(_ job: ManifestObject) -> String? {
        let failed = (job.value(at: "status.conditions")?.array ?? []).first {
            $0.object?["type"]?.string == "Failed" && $0.object?["status"]?.string == "True"
        }
        guard let reason = failed?.object?["reason"]?.string else { return nil }
        if reason == "DeadlineExceeded" {
            let limit = job.value(at: "spec.activeDeadlineSeconds").flatMap { if case .int(let s) = $0 { s } else { nil } }
            return "timed out" + (limit.map { " after \(ConfigDuration(seconds: $0))" } ?? "")
        }
        return "failed (\(reason))"
    }

    static func failedAt(_ job: ManifestObject) -> Date? {
        (job.value(at: "status.conditions")?.array ?? []).first { $0.object?["type"]?.string == "Failed" }?.object?["lastTransitionTime"]?.string
            .flatMap(RFC3339.date)
    }

    /// Creates the hook Job in the preview's namespace, owned like everything Sandcastle applies.
    public func startHook(_ key: PreviewKey, job: HookJob) async throws {
        guard let environment = try await environment(of: key), let name = environment.value(at: "metadata.name")?.string,
            let uid = environment.value(at: "metadata.uid")?.string
        else { throw KubernetesError.malformedResponse(request: "PreviewEnvironment of \(key)", reason: "not found") }
        _ = try await client.apply(Self.owned(job.manifest.object, uid: uid, environment: name), force: true)
    }

    /// The kinds whose readiness is judged: workloads, and Sandcastle's routes.
    static let judgedKinds = WorkloadReadiness.judgedKinds.union(RouteReadiness.kinds)

    /// `metadata.generation`, for kinds that keep one.
    static func generation(_ object: ManifestObject) -> Int? {
        if case .int(let generation) = object.value(at: "metadata.generation") { generation } else { nil }
    }

    /// The readiness of each applied workload (hook Jobs excluded: they are reported as hooks);
    /// pods and events are read only when something is not ready.
    private func workloads(_ inventory: [InventoryItem], live: [InventoryItem: ManifestObject], namespace: String) async throws -> [WorkloadFact] {
        var facts: [WorkloadFact] = []
        for item in inventory.sorted() where Self.judgedKinds.contains(item.kind) {
            guard let object = live[item] else { continue }  // missing: drift, applied again first
            if object.stringMap(at: "metadata.labels")["sandcastle.dev/hook"] != nil { continue }
            if RouteReadiness.kinds.contains(item.kind) {
                if RouteReadiness.isRoute(object) {
                    let readiness = RouteReadiness.judge(object)
                    facts.append(
                        WorkloadFact(
                            name: item.description, readiness: readiness, diagnosis: readiness == .ready ? [] : RouteReadiness.complaints(object)))
                }
                continue
            }
            facts.append(WorkloadFact(name: item.description, readiness: WorkloadReadiness.judge(object)))
        }
        guard facts.contains(where: { $0.readiness != .ready }) else { return facts }
        let pods = try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace, labelSelector: nil)
        let events = try await client.list(apiVersion: "v1", kind: "Event", namespace: namespace, labelSelector: nil)
        for index in facts.indices
        where facts[index].readiness != .ready && !RouteReadiness.kinds.contains(where: { facts[index].name.hasPrefix($0 + "/") }) {
            let name = String(facts[index].name.split(separator: "/", maxSplits: 1).last ?? "")
            let item = inventory.first { $0.description == facts[index].name }
            let selector = item.flatMap { live[$0] }?.stringMap(at: "spec.selector.matchLabels") ?? [:]
            let own = pods.filter { WorkloadDiagnosis.selects(selector, $0) }
            facts[index].diagnosis = WorkloadDiagnosis.pods(own) + WorkloadDiagnosis.events(events, workload: name)
        }
        return facts
    }

    /// Records the lifecycle status of `key` and, when the phase changes, an Event on the
    /// PreviewEnvironment (`kubectl describe preview` tells the story).
    public func record(_ key: PreviewKey, status: PreviewStatus) async throws {
        guard let environment = try await environment(of: key), let name = environment.value(at: "metadata.name")?.string else { return }
        let previous = PreviewEnvironment.recordedStatus(of: environment)
        let now = options.now()
        let stored = try await client.applyStatus(
            PreviewEnvironment.statusPatch(name: name, PreviewEnvironment.lifecycleStatus(status, now: now)), asManager: Self.lifecycleManager)
        // A new phase, or the first judgement after an apply (which records only `Applied`), is a transition.
        if previous?.phase != status.phase || previous?.conditions.map(\.type) != status.conditions.map(\.type) {
            await recordEvent(about: stored, reason: status.eventReason, note: status.message, warning: status.phase == .failed)
        }
    }

    /// An Event about the PreviewEnvironment (`Applied`, `Waiting`, `Ready`, `Failed`,
    /// `TearingDown`, `TornDown`); best effort: the status is the record, the Event the story.
    func recordEvent(about environment: ManifestObject, reason: String, note: String, warning: Bool = false) async {
        let event = KubernetesEvent.object(
            regarding: environment, namespace: ClusterPermissions.eventNamespace, reason: reason, action: reason, note: note,
            type: warning ? .warning : .normal, instance: "sandcastle", now: options.now())
        _ = try? await client.create(event)
    }

    /// Records on the environment of `key` what the forge was told, so a restarted controller
    /// knows whether it still has something to say.
    public func recordReported(_ key: PreviewKey, _ record: ReportRecord) async throws {
        // Only the name is needed: the one seen last, else a read.
        var name = names.withLock { $0[key] }
        if name == nil { name = try await environment(of: key)?.value(at: "metadata.name")?.string }
        guard let name else { return }
        let status: ManifestObject = [
            "reported": ["sha": .string(record.sha), "summary": .string(record.summary), "at": .string(KubernetesTime.string(options.now()))]
        ]
        _ = try await client.applyStatus(PreviewEnvironment.statusPatch(name: name, status), asManager: Self.reportedManager)
    }

    /// Starts the teardown of `key`: records why, then deletes its namespace (if it is this
    /// preview's) and returns at once; the namespace controller's progress is observed later.
    public func deleteNamespace(_ key: PreviewKey, reason: String) async throws {
        guard let environment = try await environment(of: key) else { return }
        guard let name = environment.value(at: "metadata.name")?.string, let uid = environment.value(at: "metadata.uid")?.string else {
            throw KubernetesError.malformedResponse(request: "PreviewEnvironment of \(key)", reason: "no name or uid")
        }
        _ = try await client.applyStatus(
            PreviewEnvironment.statusPatch(name: name, ["teardownReason": .string(String(reason.prefix(1024)))]), asManager: Self.teardownManager)
        // The engine's objects go first (their finalizers prune what the engine synced); the
        // namespace is deleted at a later step, once they are observed gone.
        guard try await deleteEngine(environment, uid: uid) else { return }
        let namespaceName = environment.value(at: "spec.namespace")?.string ?? name
        let namespaceRef = ResourceRef(apiVersion: "v1", kind: "Namespace", name: namespaceName)
        guard let namespace = try await client.get(namespaceRef) else { return }
        guard OwnershipCheck.isOwned(namespace, uid: uid) else { throw KubernetesError.nameConflict(namespace: namespaceName) }
        if namespace.value(at: "metadata.deletionTimestamp") == nil {
            _ = try await client.delete(namespaceRef, propagation: .background, uid: namespace.value(at: "metadata.uid")?.string)
        }
    }

    /// Deletes the PreviewEnvironment of `key` (its namespace is gone; the receipt was posted).
    public func forget(_ key: PreviewKey) async throws {
        guard let environment = try await environment(of: key), let name = environment.value(at: "metadata.name")?.string else { return }
        let reason = environment.value(at: "status.teardownReason")?.string ?? "removed"
        await recordEvent(about: environment, reason: "TornDown", note: "namespace \(name) is gone (\(reason)); the receipt was posted")
        _ = try await client.delete(PreviewEnvironment.ref(name), propagation: .background, uid: environment.value(at: "metadata.uid")?.string)
    }
}

extension ClusterSink {
    /// Records a PR waiting for a slot as a PreviewEnvironment with no namespace (its order, the
    /// PR's creation time, in an annotation) and the planner's status. An environment that
    /// exists is never touched here.
    public func recordWaiting(_ record: WaitingRecord, names: PreviewNames, status: PreviewStatus) async throws {
        let existing = try await client.get(PreviewEnvironment.ref(names.namespace))
        if let existing {
            guard PreviewEnvironment.key(of: existing) == record.key, PreviewEnvironment.isWaiting(existing) else { return }
        }
        _ = try await client.apply(PreviewEnvironment.object(key: record.key, names: names, sha: record.sha, waitingSince: record.since), force: true)
        rememberName(record.key, names.namespace)
        _ = try await client.applyStatus(
            PreviewEnvironment.statusPatch(name: names.namespace, PreviewEnvironment.lifecycleStatus(status, now: options.now())),
            asManager: Self.lifecycleManager)
    }

    /// Deletes the record of `key` waiting for a slot; an environment is never deleted here.
    public func forgetWaiting(_ key: PreviewKey, names: PreviewNames) async throws {
        guard let existing = try await client.get(PreviewEnvironment.ref(names.namespace)),
            PreviewEnvironment.key(of: existing) == key, PreviewEnvironment.isWaiting(existing)
        else { return }
        _ = try await client.delete(PreviewEnvironment.ref(names.namespace), propagation: .background, uid: existing.value(at: "metadata.uid")?.string)
    }

    /// The PRs of `repository` recorded as waiting, with the time they wait since.
    public func waiting(in repository: RepositoryName) async throws -> [WaitingRecord] {
        let selector =
            "\(Ownership.managedByLabel)=\(Ownership.managedByValue),\(Ownership.repositoryLabel)=\(Ownership.repositoryLabelValue(repository)),\(PreviewEnvironment.waitingLabel)=true"
        let objects = try await client.list(
            apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind, namespace: nil, labelSelector: selector)
        return objects.compactMap { object in
            guard let key = PreviewEnvironment.key(of: object), key.repository == repository,
                let since = object.stringMap(at: "metadata.annotations")[PreviewEnvironment.waitingSinceAnnotation].flatMap(RFC3339.date)
            else { return nil }
            return WaitingRecord(key: key, since: since, sha: object.value(at: "spec.headSHA")?.string ?? "")
        }
    }

    private func rememberName(_ key: PreviewKey, _ name: String) { names.withLock { $0[key] = name } }
}
