import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Readiness judged from statuses a real API server's controllers wrote (`shared/fixtures`).
@Suite struct WorkloadReadinessTests {
    static func recorded(_ name: String) throws -> ManifestObject {
        var object = try ManifestValue.parseJSON(try Fixtures.data("kubernetes/\(name)")).object!
        if object["kind"] == nil { object["kind"] = name.hasPrefix("job") ? "Job" : "Deployment" }
        return object
    }

    @Test func aDeploymentIsReadyOnlyOnceItsReplicasAreAvailable() throws {
        guard case .progressing(let why) = WorkloadReadiness.judge(try Self.recorded("deployment-just-created.json")) else {
            Issue.record("a just-created Deployment was judged ready")
            return
        }
        #expect(why.hasPrefix("Deployment web: "), "\(why)")
        #expect(WorkloadReadiness.judge(try Self.recorded("deployment-available.json")) == .ready)
    }

    @Test func aQuotaRefusalIsNamedWithTheQuotaMessage() throws {
        let judged = WorkloadReadiness.judge(try Self.recorded("deployment-quota-exceeded.json"))
        guard case .progressing(let why) = judged else {
            Issue.record("judged \(judged)")
            return
        }
        #expect(why.contains("1 of 2 new replicas updated"), "\(why)")
        #expect(
            why.contains(
                "FailedCreate: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1"))
    }

    @Test func aStalledRolloutFails() throws {
        var object = try Self.recorded("deployment-just-created.json")
        object.set(
            [
                [
                    "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                    "message": "ReplicaSet \"web-1\" has timed out progressing.",
                ]
            ],
            at: "status.conditions")
        object.set(.int(1), at: "status.observedGeneration")
        #expect(WorkloadReadiness.judge(object) == .failed("Deployment web exceeded its progress deadline"))
    }

    @Test func jobsAreJudgedByTheirConditions() throws {
        #expect(WorkloadReadiness.judge(try Self.recorded("job-complete.json")) == .ready)
        #expect(WorkloadReadiness.judge(try Self.recorded("job-just-created.json")) != .ready)
        guard case .failed(let why) = WorkloadReadiness.judge(try Self.recorded("job-failed.json")) else {
            Issue.record("a failed Job was not judged failed")
            return
        }
        #expect(why.contains("BackoffLimitExceeded: Job has reached the specified backoff limit"))
    }

    @Test func statefulSetsWaitForReadyPodsAndTheUpdateRevision() {
        var object: ManifestObject = [
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db", "generation": 2],
            "spec": ["replicas": 2],
            "status": ["observedGeneration": 2, "readyReplicas": 1, "currentRevision": "db-1", "updateRevision": "db-2", "updatedReplicas": 1],
        ]
        #expect(WorkloadReadiness.judge(object) == .progressing("StatefulSet db: 1 of 2 pods ready"))
        object.set(.int(2), at: "status.readyReplicas")
        #expect(WorkloadReadiness.judge(object) == .progressing("StatefulSet db: 1 of 2 pods at revision db-2"))
        object.set("db-2", at: "status.currentRevision")
        #expect(WorkloadReadiness.judge(object) == .ready)
        object.set(.int(3), at: "metadata.generation")
        #expect(WorkloadReadiness.judge(object) != .ready, "a spec change not yet observed is not ready")
    }
}
