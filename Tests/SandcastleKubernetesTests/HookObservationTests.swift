import Foundation
import SandcastleCore
import Testing

@testable import SandcastleKubernetes

/// How a hook Job's end is put into words: the Job controller's conditions (as in
/// `job-failed.json`) and a timeout (`DeadlineExceeded`, written when `activeDeadlineSeconds` passes).
@Suite struct HookObservationTests {
    static func job(reason: String, deadline: Int? = 600) -> ManifestObject {
        var job: ManifestObject = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "sandcastle-verify-0123456"],
            "status": [
                "conditions": [
                    [
                        "type": "Failed", "status": "True", "reason": .string(reason), "message": "Job was active longer than specified deadline",
                        "lastTransitionTime": "2026-11-30T19:36:19Z",
                    ]
                ], "failed": 1,
            ],
        ]
        if let deadline { job.set(.int(deadline), at: "spec.activeDeadlineSeconds") }
        return job
    }

    @Test func aHookPastItsTimeoutSaysSo() {
        #expect(ClusterSink.hookFailure(Self.job(reason: "DeadlineExceeded")) == "timed out after 10m")
        #expect(ClusterSink.hookFailure(Self.job(reason: "DeadlineExceeded", deadline: nil)) == "timed out")
        #expect(ClusterSink.failedAt(Self.job(reason: "DeadlineExceeded")) == RFC3339.date("2026-11-30T19:36:19Z"))
    }

    @Test func theRecordedFailedJobNamesItsReason() throws {
        let recorded = try ManifestValue.parseJSON(Data(contentsOf: URL(fileURLWithPath: Self.fixture("job-failed.json"))))
        #expect(ClusterSink.hookFailure(try #require(recorded.object)) == "failed (BackoffLimitExceeded)")
    }

    @Test func theFailedContainersTerminationMessageIsTheOutput() {
        let pod: ManifestObject = [
            "metadata": ["creationTimestamp": "2026-11-30T19:36:15Z"],
            "status": [
                "containerStatuses": [
                    ["name": "sidecar", "state": ["terminated": ["exitCode": 0, "message": "bye"]]],
                    ["name": "verify", "state": ["terminated": ["exitCode": 1, "message": "expected 3 items, got 0"]]],
                ]
            ],
        ]
        #expect(HookOutputText.lastOutput(of: [pod]) == "expected 3 items, got 0")
        #expect(HookOutputText.lastOutput(of: []) == nil)
    }

    static func fixture(_ name: String) -> String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Sources/SandcastleTestSupport/Fixtures/kubernetes/" + name).path
    }
}
