import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// The fake's stand-ins for the workload controllers write what the real ones wrote (the recorded
/// statuses in the fixtures), and a watch sees the changes as they happen.
@Suite("Workload controller stand-ins")
struct WorkloadSimulationTests {
    static func recorded(_ name: String) throws -> ManifestObject {
        try ManifestValue.parseJSON(try Fixtures.data("kubernetes/\(name)")).object!
    }

    /// The shape of a status: its keys and each condition's type, status and reason.
    static func shape(_ status: ManifestObject?) -> [String] {
        let keys = (status?.keys ?? []).sorted()
        let conditions = (status?["conditions"]?.array ?? []).compactMap(\.object).map {
            "\($0["type"]?.string ?? "")=\($0["status"]?.string ?? "")/\($0["reason"]?.string ?? "")"
        }
        return keys + conditions
    }

    static func deployment(_ name: String, namespace: String, image: String = "nginx@sha256:" + String(repeating: "a", count: 64)) -> ManifestObject {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": [
                "replicas": 2, "selector": ["matchLabels": ["app": .string(name)]],
                "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [["name": "web", "image": .string(image)]]]],
            ],
        ]
    }

    @Test func aRolloutProgressesAsTheDeploymentControllerWritesItAndAWatchSeesIt() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sim"]], force: true)
            // Pods that take long: the deployment controller's first write is "just created".
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 3600))
            let stream = h.client.watch(apiVersion: "apps/v1", kind: "Deployment", namespace: "sim", timeoutSeconds: 30)
            var events = stream.makeAsyncIterator()
            _ = try await h.client.apply(Self.deployment("web", namespace: "sim"), force: true)
            var waiting: ManifestObject?
            while waiting == nil, let event = try await events.next() {
                if event.object["status"]?.object?["unavailableReplicas"] != nil { waiting = event.object }
            }
            let justCreated = try #require(waiting)
            #expect(Self.shape(justCreated["status"]?.object) == Self.shape(try Self.recorded("deployment-just-created.json")["status"]?.object))
            #expect(WorkloadReadiness.judge(justCreated) != .ready)
            // The pods become ready: the watch sees the Deployment available, with no request of ours.
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0))
            var available: ManifestObject?
            while available == nil, let event = try await events.next() {
                if WorkloadReadiness.judge(event.object) == .ready { available = event.object }
            }
            #expect(
                Self.shape(try #require(available)["status"]?.object) == Self.shape(try Self.recorded("deployment-available.json")["status"]?.object))
        }
    }

    @Test func aQuotaRefusalIsReportedAsTheReplicasetControllerReportsIt() async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sim"]], force: true)
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0.2, failures: ["web": .quotaExceeded]))
            _ = try await h.client.apply(Self.deployment("web", namespace: "sim"), force: true)
            var judged = WorkloadReadiness.ready
            #expect(
                try await eventually(30) {
                    let object = try await h.client.get(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "sim", name: "web"))
                    judged = object.map(WorkloadReadiness.judge) ?? .ready
                    return object?.value(at: "status.conditions")?.array?.contains { $0.object?["type"] == "ReplicaFailure" } == true
                })
            guard case .progressing(let why) = judged else {
                Issue.record("judged \(judged)")
                return
            }
            #expect(
                why.contains("(FailedCreate: exceeded quota: sandcastle-quota, requested: pods=1"),
                "\(why)")
            let recorded = try Self.recorded("deployment-quota-exceeded.json")["status"]?.object
            let simulated = try await h.client.get(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "sim", name: "web"))
            #expect(
                Self.shape(simulated?["status"]?.object).filter { $0.contains("=") }
                    == Self.shape(recorded).filter { $0.contains("=") })
            let events = try await h.client.list(apiVersion: "v1", kind: "Event", namespace: "sim", labelSelector: nil)
            let refusal = try #require(events.first { $0["reason"]?.string == "FailedCreate" })
            let real = try #require(
                Self.recorded("events-quota-exceeded.json")["items"]?.array?.compactMap(\.object).first { $0["reason"] == "FailedCreate" })
            #expect(refusal["type"] == real["type"])
            #expect(refusal.value(at: "involvedObject.kind") == real.value(at: "involvedObject.kind"))
            #expect(refusal["message"]?.string?.hasPrefix("Error creating: pods \"web-") == true)
        }
    }

    @Test(arguments: [
        (SimulatedPodFailure.imagePullBackOff, "ImagePullBackOff", "Back-off pulling image \"ghcr.io/acme/missing:pr-7\""),
        (
            SimulatedPodFailure.crashLoopBackOff(message: "panic: DATABASE_URL is not set"), "CrashLoopBackOff",
            "back-off 40s restarting failed container=web"
        ),
    ])
    func aFailingContainerShowsTheKubeletsWaitingReason(failure: SimulatedPodFailure, reason: String, message: String) async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sim"]], force: true)
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0.2, failures: ["web": failure]))
            _ = try await h.client.apply(Self.deployment("web", namespace: "sim", image: "ghcr.io/acme/missing:pr-7"), force: true)
            #expect(
                try await eventually(30) {
                    !(try await h.client.list(apiVersion: "v1", kind: "Pod", namespace: "sim", labelSelector: "app=web")).isEmpty
                })
            let pod = try #require(try await h.client.list(apiVersion: "v1", kind: "Pod", namespace: "sim", labelSelector: "app=web").first)
            let waiting = pod.value(at: "status.containerStatuses")?.array?.first?.object?["state"]?.object?["waiting"]?.object
            #expect(waiting?["reason"]?.string == reason)
            #expect(waiting?["message"]?.string?.hasPrefix(message) == true, "\(String(describing: waiting))")
            let deployment = try await h.client.get(ResourceRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "sim", name: "web"))
            #expect(deployment.map(WorkloadReadiness.judge) != .ready)
        }
    }

    @Test(arguments: [(false, "job-complete.json"), (true, "job-failed.json")])
    func jobsFinishAsTheJobControllerWritesIt(fails: Bool, fixture: String) async throws {
        try await KubeHarness.with { h in
            _ = try await h.client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sim"]], force: true)
            await h.fake.simulateWorkloads(WorkloadSimulation(readyAfter: 0.2, failingJobs: fails ? ["seed"] : []))
            let job: ManifestObject = [
                "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "seed", "namespace": "sim"],
                "spec": [
                    "backoffLimit": 0, "template": ["spec": ["restartPolicy": "Never", "containers": [["name": "seed", "image": "busybox"]]]],
                ],
            ]
            _ = try await h.client.apply(job, force: true)
            let ref = ResourceRef(apiVersion: "batch/v1", kind: "Job", namespace: "sim", name: "seed")
            #expect(try await eventually(30) { try await h.client.get(ref)?.value(at: "status.conditions") != nil })
            let finished = try #require(try await h.client.get(ref))
            #expect(Self.shape(finished["status"]?.object) == Self.shape(try Self.recorded(fixture)["status"]?.object))
            if fails {
                guard case .failed = WorkloadReadiness.judge(finished) else { return #expect(Bool(false), "a failed Job is failed") }
            } else {
                #expect(WorkloadReadiness.judge(finished) == .ready)
            }
        }
    }
}
