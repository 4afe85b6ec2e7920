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

/// A preview's containers write their own termination messages and the kubelet passes them on:
/// text from the PR's code. It reaches GitHub only bounded and inert.
@Suite struct HostileTerminationMessageTests {
    @Test func aHostileTerminationMessageReachesGitHubBoundedAndInert() {
        let hostile =
            "boot\n" + String(repeating: "A", count: 20_000)
            + " <img src=x onerror=alert(1)> @org/everyone [click](https://evil.example) ![x](https://evil.example/p.png) `|` |"
        let pod = WorkloadDiagnosisTests.pod(
            waiting: "CrashLoopBackOff", message: "back-off",
            extra: ["restartCount": 2, "lastState": ["terminated": ["exitCode": 1, "reason": "Error", "message": .string(hostile)]]])
        let diagnosis = WorkloadDiagnosis.pods([pod])
        #expect(diagnosis.count == 1 && diagnosis[0].count < 400, "the termination message's tail, bounded")
        let facts = PreviewFacts(
            key: Make.key(1), pullRequest: .read(Make.pr(1)), render: RenderSummary(sha: Make.sha, contentHash: "c"),
            environment: EnvironmentFact(
                namespace: "pr-1-shop", sha: Make.sha, contentHash: "c", createdAt: Make.epoch, deployStartedAt: Make.epoch,
                workloads: .observed([WorkloadFact(name: "Deployment/web", readiness: .progressing("x"), diagnosis: diagnosis)])))
        guard case .record(let status) = Planner.next(facts, settings: .builtin, now: Make.epoch.addingTimeInterval(5)).step else {
            Issue.record("expected the status to be recorded first")
            return
        }
        #expect(status.message.count <= 1024)
        var told = facts
        told.environment?.recorded = status
        guard case .report(let report) = Planner.next(told, settings: .builtin, now: Make.epoch.addingTimeInterval(5)).step else {
            Issue.record("expected a report")
            return
        }
        #expect((report.deployStatus?.description.count ?? 0) <= 140)
        let markdown = report.comment.markdown
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| sandcastle/deploy") }.map(String.init) ?? ""
        let cell = row.range(of: "pending | ").map { String(row[$0.upperBound...]) } ?? ""
        #expect(row.contains("<img") && row.contains("@org/everyone"), "the message is shown: \(row)")
        #expect(cell.trimmingCharacters(in: .whitespaces).hasPrefix("``"), "inside a code span (its own backticks fenced): \(cell)")
        #expect(row.contains("\\|"), "a | cannot break the table")
        #expect(markdown.components(separatedBy: "<img").count == 2, "only in that cell")
        #expect(markdown.count < 2_000)
    }
}
