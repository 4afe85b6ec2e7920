import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Why pods do not run, in words a developer acts on, from the pod and event shapes the kubelet,
/// the scheduler and the replicaset controller write.
@Suite struct WorkloadDiagnosisTests {
    static func pod(waiting reason: String, message: String, extra: ManifestObject = [:]) -> ManifestObject {
        var status: ManifestObject = [
            "name": "web", "image": .string("ghcr.io/acme/web@sha256:" + String(repeating: "ab", count: 32)), "ready": false, "restartCount": 0,
            "state": ["waiting": ["reason": .string(reason), "message": .string(message)]],
        ]
        for pair in extra.pairs { status[pair.key] = pair.value }
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web-7dfc574c5b-p7vm8", "labels": ["app": "web"]],
            "status": ["phase": "Pending", "containerStatuses": [.object(status)]],
        ]
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var reason: String
        var message: String
        var extra: ManifestObject = [:]
        var expected: String
        var testDescription: String { reason }
    }

    static let cases: [Case] = [
        Case(
            reason: "ImagePullBackOff", message: "Back-off pulling image \"ghcr.io/acme/web@sha256:abab\"",
            expected: "ImagePullBackOff: ghcr.io/acme/web@sha256:abababababab… (container web)"),
        Case(
            reason: "ErrImagePull", message: "rpc error: code = NotFound desc = failed to pull and unpack image: not found",
            expected:
                "ErrImagePull: ghcr.io/acme/web@sha256:abababababab… (container web): rpc error: code = NotFound desc = failed to pull and unpack image: not found"
        ),
        Case(
            reason: "CreateContainerConfigError", message: "secret \"shop-db\" not found",
            expected: "CreateContainerConfigError: container web: secret \"shop-db\" not found"),
        Case(
            reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=web pod=web-7dfc574c5b-p7vm8",
            extra: [
                "restartCount": 4,
                "lastState": ["terminated": ["exitCode": 1, "reason": "Error", "message": "starting\npanic: DATABASE_URL is not set"]],
            ],
            expected: "CrashLoopBackOff: container web restarted 4 times; last exit 1 (Error): panic: DATABASE_URL is not set"),
    ]

    @Test(arguments: cases)
    func aPodsWaitingReasonIsNamed(_ c: Case) {
        #expect(WorkloadDiagnosis.pods([Self.pod(waiting: c.reason, message: c.message, extra: c.extra)]) == [c.expected])
    }

    @Test func startingContainersExplainNothingAndAreLeftOut() {
        #expect(WorkloadDiagnosis.pods([Self.pod(waiting: "ContainerCreating", message: "")]).isEmpty)
    }

    @Test func anUnschedulablePodNamesWhy() {
        let pod: ManifestObject = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web-1"],
            "status": [
                "phase": "Pending",
                "conditions": [
                    [
                        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available.",
                    ]
                ],
            ],
        ]
        #expect(
            WorkloadDiagnosis.pods([pod]) == [
                "FailedScheduling: pod web-1: 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available."
            ])
    }

    /// The recorded `FailedCreate` event of a quota refusal, attached to the Deployment whose
    /// ReplicaSet it is about.
    @Test func theRecordedQuotaEventIsSimplifiedAndAttributed() throws {
        let list = try ManifestValue.parseJSON(try Fixtures.data("kubernetes/events-quota-exceeded.json")).object!
        let events = (list["items"]?.array ?? []).compactMap(\.object)
        // Ten refusals, the last one "(combined from similar events)": one line.
        let lines = WorkloadDiagnosis.events(events, workload: "web")
        #expect(lines == ["FailedCreate: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1"], "\(lines)")
        #expect(WorkloadDiagnosis.events(events, workload: "other").isEmpty)
    }

    @Test func aWorkloadSelectsItsPodsByItsMatchLabels() {
        let pod = Self.pod(waiting: "ImagePullBackOff", message: "")
        #expect(WorkloadDiagnosis.selects(["app": "web"], pod))
        #expect(!WorkloadDiagnosis.selects(["app": "api"], pod))
        #expect(!WorkloadDiagnosis.selects([:], pod), "an empty selector selects nothing here")
    }
}
