import Foundation
import SandcastleCore

/// Why a simulated Deployment's pods never become ready.
public enum SimulatedPodFailure: Sendable, Hashable {
    /// The image cannot be pulled: a Pod waiting in `ImagePullBackOff`.
    case imagePullBackOff
    /// The container exits: a Pod waiting in `CrashLoopBackOff` with its last termination message.
    case crashLoopBackOff(message: String)
    /// The namespace's ResourceQuota refuses the pods: `ReplicaFailure`/`FailedCreate` and events.
    case quotaExceeded
}

/// What the stand-ins for the workload controllers do (``FakeKubernetes/simulateWorkloads(_:)``).
public struct WorkloadSimulation: Sendable {
    /// How long after a spec change a Deployment is available and a Job completes.
    public var readyAfter: TimeInterval
    /// Deployments (by name) whose pods never become ready, and why.
    public var failures: [String: SimulatedPodFailure]
    /// Jobs (by name, or by a prefix of it) that fail (`BackoffLimitExceeded`) instead of completing.
    public var failingJobs: Set<String>
    /// The termination message the failed pod of a failing Job reports (by name prefix), as the
    /// kubelet writes it with `FallbackToLogsOnError`.
    public var jobOutputs: [String: String]

    public init(
        readyAfter: TimeInterval, failures: [String: SimulatedPodFailure] = [:], failingJobs: Set<String> = [], jobOutputs: [String: String] = [:]
    ) {
        self.readyAfter = readyAfter
        self.failures = failures
        self.failingJobs = failingJobs
        self.jobOutputs = jobOutputs
    }

    /// Whether the Gateway accepts HTTPRoutes (`Accepted` true); `false` writes `NotAllowedByListeners`.
    public var gatewayAccepts = true

    func fails(job name: String) -> Bool { failingJobs.contains { name.hasPrefix($0) } }
    func output(of job: String) -> String? { jobOutputs.first { job.hasPrefix($0.key) }?.value }
}

/// Stand-ins for the deployment, replicaset and job controllers and the kubelet, writing what the
/// real ones write (the shapes of `deployment-just-created.json`, `deployment-available.json`,
/// `deployment-quota-exceeded.json`, `events-quota-exceeded.json`, `job-just-created.json`,
/// `job-complete.json`, `job-failed.json`): a Deployment is available `readyAfter` seconds after
/// its spec last changed, unless its pods fail; a Job completes (or fails) after the same delay.
/// With a simulation on, the controllers run every 50 ms, so watches see the changes.
extension FakeKubernetes {
    /// Starts (or with `nil` stops) the workload stand-ins.
    public func simulateWorkloads(_ simulation: WorkloadSimulation?) {
        self.simulation = simulation
        restartTicker()
    }

    /// Runs the controller stand-ins every 50 ms while a simulation is on.
    func restartTicker() {
        ticker?.cancel()
        ticker = nil
        guard simulation != nil || gitOps != nil else { return }
        ticker = Task { [weak self] in
            while !Task.isCancelled, let self {
                await self.runControllers()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// When the stand-in last made the workload `ref` available (or a Job complete), for benchmarks.
    public func becameAvailable(_ ref: ResourceRef) -> Date? {
        guard let type = types.first(where: { $0.apiVersion == ref.apiVersion && $0.kind == ref.kind }) else { return nil }
        return availableAt[Key(group: type.group, plural: type.plural, namespace: ref.namespace ?? "", name: ref.name)]
    }

    /// When the spec of `ref` last changed (its creation, for a Job), at full precision.
    public func specChanged(_ ref: ResourceRef) -> Date? {
        guard let type = types.first(where: { $0.apiVersion == ref.apiVersion && $0.kind == ref.kind }) else { return nil }
        return specChangedAt[Key(group: type.group, plural: type.plural, namespace: ref.namespace ?? "", name: ref.name)]
    }

    /// Rolls Deployments out after `seconds` (real time); `nil` stops.
    public func simulateRollouts(readyAfter seconds: TimeInterval?) { simulateWorkloads(seconds.map { WorkloadSimulation(readyAfter: $0) }) }

    /// `metadata.generation` as the API server keeps it for kinds with a spec and a status: 1 on
    /// create, +1 on each spec change.
    func generation(for type: ResourceType, new object: ManifestObject, previous: ManifestObject?) -> ManifestValue? {
        guard Self.generationKinds.contains(type.kind) || type.schema != nil else { return nil }
        guard let previous else { return .int(1) }
        guard case .int(let current) = previous.value(at: "metadata.generation") else { return .int(1) }
        // Without a status subresource, every change but one to metadata is a new generation.
        if type.schema != nil, !type.hasStatus {
            var before = previous
            var after = object
            before["metadata"] = nil
            after["metadata"] = nil
            return before == after ? .int(current) : .int(current + 1)
        }
        return previous["spec"] == object["spec"] ? .int(current) : .int(current + 1)
    }

    /// Stand-ins for an ingress controller and a Gateway API controller: `readyAfter` seconds
    /// after its spec changed, an Ingress gets a load-balancer address and an HTTPRoute a status
    /// per parent (`Accepted`, `ResolvedRefs`), as the Gateway API's route status describes it.
    func runRoutes(now: Date) {
        guard let simulation else { return }
        for (key, changed) in routesPending where now.timeIntervalSince(changed) >= simulation.readyAfter {
            routesPending[key] = nil
            guard var object = objects[key], object.value(at: "metadata.deletionTimestamp") == nil else { continue }
            if key.plural == "ingresses" {
                object["status"] = ["loadBalancer": ["ingress": [["ip": "192.0.2.10"]]]]
            } else {
                let generation = object.value(at: "metadata.generation") ?? .int(1)
                let time = ManifestValue.string(KubernetesTime.string(now))
                let accepted: ManifestObject =
                    simulation.gatewayAccepts
                    ? ["type": "Accepted", "status": "True", "reason": "Accepted", "message": "Route is accepted"]
                    : [
                        "type": "Accepted", "status": "False", "reason": "NotAllowedByListeners",
                        "message": "no listener of the Gateway allows routes from this namespace",
                    ]
                let parents: [ManifestValue] = (object.value(at: "spec.parentRefs")?.array ?? []).map { ref in
                    var conditions: [ManifestValue] = [
                        .object(accepted),
                        [
                            "type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs",
                            "message": "Resolved all the Object references for the Route",
                        ],
                    ]
                    for index in conditions.indices {
                        var condition = conditions[index].object ?? ManifestObject()
                        condition["observedGeneration"] = generation
                        condition["lastTransitionTime"] = time
                        conditions[index] = .object(condition)
                    }
                    return ["parentRef": ref, "controllerName": "example.net/gateway-controller", "conditions": .array(conditions)]
                }
                object["status"] = ["parents": .array(parents)]
            }
            object.set(.string(nextRevision()), at: "metadata.resourceVersion")
            store(key, object)
        }
    }

    static let generationKinds: Set<String> = [
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "NetworkPolicy", "Ingress", "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    ]

    func runRollouts(now: Date) {
        guard let simulation else { return }
        for key in rolloutPending {
            guard let object = objects[key], object.value(at: "metadata.deletionTimestamp") == nil,
                case .int(let generation) = object.value(at: "metadata.generation")
            else {
                rolloutPending.remove(key)
                continue
            }
            let changed = specChangedAt[key] ?? now
            let due = now.timeIntervalSince(changed) >= simulation.readyAfter
            let status: ManifestObject
            if key.plural == "jobs" {
                let failing = simulation.fails(job: key.name)
                status = Self.jobStatus(started: changed, finished: due ? now : nil, failed: failing)
                if object["status"]?.object?["conditions"] != nil {
                    rolloutPending.remove(key)
                    continue
                }
                if due { placeJobPod(job: object, key: key, failed: failing, message: simulation.output(of: key.name) ?? "", at: now) }
                if object["status"] == .object(status) { continue }
            } else {
                let failure = simulation.failures[key.name]
                status = Self.deploymentStatus(
                    object, generation: generation, ready: due && failure == nil, quota: failure == .quotaExceeded && due, at: changed)
                if due, let failure, failure != .quotaExceeded { placeFailingPod(failure, deployment: object, key: key, at: changed) }
                if due, failure == .quotaExceeded { recordQuotaRefusal(deployment: object, key: key, at: now) }
                if object["status"] == .object(status) { continue }
            }
            var updated = object
            updated["status"] = .object(status)
            updated.set(.string(nextRevision()), at: "metadata.resourceVersion")
            store(key, updated)
            if due, WorkloadReadiness.judge(updated) == .ready {
                availableAt[key] = now
                rolloutPending.remove(key)  // finished until its spec changes again
            }
        }
    }

    private static func condition(_ type: String, _ status: String, _ reason: String, _ message: String, at time: Date, probe: Bool = false)
        -> ManifestValue
    {
        let stamp = ManifestValue.string(KubernetesTime.string(time))
        var condition: ManifestObject = ["type": .string(type), "status": .string(status)]
        condition[probe ? "lastProbeTime" : "lastUpdateTime"] = stamp
        condition["lastTransitionTime"] = stamp
        condition["reason"] = .string(reason)
        condition["message"] = .string(message)
        return .object(condition)
    }

    /// The status the deployment controller writes: just created, available, or refused by quota.
    static func deploymentStatus(_ object: ManifestObject, generation: Int, ready: Bool, quota: Bool = false, at time: Date) -> ManifestObject {
        let replicas: Int
        if case .int(let value) = object.value(at: "spec.replicas") { replicas = value } else { replicas = 1 }
        let name = object.value(at: "metadata.name")?.string ?? "deployment"
        if ready {
            return [
                "observedGeneration": .int(generation), "replicas": .int(replicas), "updatedReplicas": .int(replicas),
                "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "conditions": [
                    condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", at: time),
                    condition(
                        "Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(name)-7dfc574c5b\" has successfully progressed.", at: time),
                ],
            ]
        }
        var conditions: [ManifestValue] = [
            condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", at: time)
        ]
        if quota { conditions.append(condition("ReplicaFailure", "True", "FailedCreate", quotaMessage(name, replicas: replicas), at: time)) }
        conditions.append(condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)-7dfc574c5b\" is progressing.", at: time))
        let created = quota ? max(0, replicas - 1) : replicas
        return [
            "observedGeneration": .int(generation), "replicas": .int(created), "updatedReplicas": .int(created),
            "unavailableReplicas": .int(replicas), "conditions": .array(conditions),
        ]
    }

    /// The quota refusal the replicaset controller reports (as in `deployment-quota-exceeded.json`).
    static func quotaMessage(_ deployment: String, replicas: Int) -> String {
        let used = max(0, replicas - 1)
        return
            "pods \"\(deployment)-7dfc574c5b-8qk7x\" is forbidden: exceeded quota: sandcastle-quota, requested: pods=1, used: pods=\(used), limited: pods=\(used)"
    }

    /// A `FailedCreate` Warning event from the replicaset controller, once per Deployment.
    private func recordQuotaRefusal(deployment: ManifestObject, key: Key, at time: Date) {
        let eventKey = Key(group: "", plural: "events", namespace: key.namespace, name: "\(key.name)-7dfc574c5b.quota")
        guard objects[eventKey] == nil else { return }
        let replicas: Int
        if case .int(let value) = deployment.value(at: "spec.replicas") { replicas = value } else { replicas = 1 }
        let event: ManifestObject = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(eventKey.name), "namespace": .string(key.namespace)],
            "involvedObject": [
                "kind": "ReplicaSet", "namespace": .string(key.namespace), "name": .string("\(key.name)-7dfc574c5b"), "apiVersion": "apps/v1",
            ],
            "reason": "FailedCreate", "message": .string("Error creating: " + Self.quotaMessage(key.name, replicas: replicas)),
            "source": ["component": "replicaset-controller"], "type": "Warning", "count": 1,
            "firstTimestamp": .string(KubernetesTime.string(time)), "lastTimestamp": .string(KubernetesTime.string(time)),
            "reportingComponent": "replicaset-controller", "reportingInstance": "",
        ]
        guard let type = types.first(where: { $0.group.isEmpty && $0.plural == "events" }) else { return }
        store(eventKey, stamp(event, type: type, previous: nil))
    }

    /// The pod the kubelet would report for a failing container.
    private func placeFailingPod(_ failure: SimulatedPodFailure, deployment: ManifestObject, key: Key, at time: Date) {
        let podKey = Key(group: "", plural: "pods", namespace: key.namespace, name: "\(key.name)-7dfc574c5b-p7vm8")
        guard objects[podKey] == nil, let type = types.first(where: { $0.group.isEmpty && $0.plural == "pods" }) else { return }
        let container = deployment.value(at: "spec.template.spec.containers")?.array?.first?.object
        let image = container?["image"]?.string ?? "unknown"
        let name = container?["name"]?.string ?? "app"
        var state: ManifestObject
        var status: ManifestObject = ["name": .string(name), "image": .string(image), "ready": false, "restartCount": 0]
        switch failure {
        case .imagePullBackOff:
            state = ["waiting": ["reason": "ImagePullBackOff", "message": .string("Back-off pulling image \"\(image)\"")]]
        case .crashLoopBackOff(let message):
            state = [
                "waiting": ["reason": "CrashLoopBackOff", "message": .string("back-off 40s restarting failed container=\(name) pod=\(podKey.name)")]
            ]
            status["restartCount"] = 3
            status["lastState"] = ["terminated": ["exitCode": 1, "reason": "Error", "message": .string(message)]]
        case .quotaExceeded:
            return
        }
        status["state"] = .object(state)
        let pod: ManifestObject = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(podKey.name), "namespace": .string(key.namespace),
                "labels": deployment.value(at: "spec.template.metadata.labels") ?? .object(ManifestObject()),
            ],
            "spec": ["containers": [["name": .string(name), "image": .string(image)]]],
            "status": [
                "phase": "Pending", "startTime": .string(KubernetesTime.string(time)),
                "conditions": [["type": "Ready", "status": "False", "reason": "ContainersNotReady"]], "containerStatuses": [.object(status)],
            ],
        ]
        store(podKey, stamp(pod, type: type, previous: nil))
    }

    /// The pod of a finished Job as the kubelet leaves it: terminated with exit code 0, or 1 and
    /// the termination message, labelled with the Job's name and owned by it as the job controller
    /// makes it.
    private func placeJobPod(job: ManifestObject, key: Key, failed: Bool, message: String, at time: Date) {
        let podKey = Key(group: "", plural: "pods", namespace: key.namespace, name: "\(key.name)-x7k2p")
        guard objects[podKey] == nil, let type = types.first(where: { $0.group.isEmpty && $0.plural == "pods" }) else { return }
        let container = job.value(at: "spec.template.spec.containers")?.array?.first?.object
        var labels = job.value(at: "spec.template.metadata.labels")?.object ?? ManifestObject()
        labels["batch.kubernetes.io/job-name"] = .string(key.name)
        labels["job-name"] = .string(key.name)
        var terminated: ManifestObject = [
            "exitCode": .int(failed ? 1 : 0), "reason": .string(failed ? "Error" : "Completed"), "startedAt": .string(KubernetesTime.string(time)),
            "finishedAt": .string(KubernetesTime.string(time)),
        ]
        if failed, !message.isEmpty { terminated["message"] = .string(message) }
        let owner: ManifestValue = [
            "apiVersion": "batch/v1", "kind": "Job", "name": .string(key.name), "uid": job.value(at: "metadata.uid") ?? "", "controller": true,
            "blockOwnerDeletion": true,
        ]
        let pod: ManifestObject = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(podKey.name), "generateName": .string("\(key.name)-"), "namespace": .string(key.namespace), "labels": .object(labels),
                "ownerReferences": [owner],
            ],
            "spec": ["restartPolicy": "Never", "containers": [.object(container ?? ["name": "job"])]],
            "status": [
                "phase": .string(failed ? "Failed" : "Succeeded"), "startTime": .string(KubernetesTime.string(time)),
                "containerStatuses": [
                    [
                        "name": .string(container?["name"]?.string ?? "job"), "image": .string(container?["image"]?.string ?? ""), "ready": false,
                        "restartCount": 0, "state": ["terminated": .object(terminated)],
                    ]
                ],
            ],
        ]
        store(podKey, stamp(pod, type: type, previous: nil))
    }

    /// The status the job controller writes: running, then complete or failed (as recorded).
    static func jobStatus(started: Date, finished: Date?, failed: Bool) -> ManifestObject {
        let start = ManifestValue.string(KubernetesTime.string(started))
        guard let finished else { return ["startTime": start, "active": 1, "terminating": 0, "uncountedTerminatedPods": [:], "ready": 0] }
        if failed {
            return [
                "conditions": [
                    condition(
                        "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", at: finished, probe: true),
                    condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", at: finished, probe: true),
                ],
                "startTime": start, "failed": 1, "terminating": 0, "uncountedTerminatedPods": [:], "ready": 0,
            ]
        }
        return [
            "conditions": [
                condition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", at: finished, probe: true),
                condition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", at: finished, probe: true),
            ],
            "startTime": start, "completionTime": .string(KubernetesTime.string(finished)), "succeeded": 1, "terminating": 0,
            "uncountedTerminatedPods": [:], "ready": 0,
        ]
    }
}
