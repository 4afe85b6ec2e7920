import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// Only Core authors status: every write of a PreviewEnvironment's lifecycle fields (phase,
/// message, conditions) is the planner's `.record` step, under the lifecycle field manager; the
/// applier, the reporter's record and the teardown write only their own fields.
@Suite("Status is written only through the planner's record step", .serialized)
struct StatusAuthorshipTests {
    /// The lifecycle fields: whoever writes one of these authors status.
    static let lifecycleFields: Set<String> = ["phase", "message", "conditions", "workloads", "observedGeneration", "namespaceConditions"]

    /// Each status write to the PreviewEnvironment `name`: its field manager and the status fields it set.
    static func statusWrites(_ fake: FakeKubernetes, name: String) async -> [(manager: String, fields: Set<String>, body: String)] {
        await fake.requests.filter { $0.method == "PATCH" && $0.path.hasSuffix("/previewenvironments/\(name)/status") && $0.status < 300 }
            .map { request in
                let manager = request.query.split(separator: "&").first { $0.hasPrefix("fieldManager=") }.map { String($0.dropFirst(13)) } ?? ""
                let status = (try? ManifestValue.parseJSON(request.body).object?["status"]?.object) ?? nil
                return (manager, Set(status?.keys.map { $0 } ?? []), String(decoding: request.body, as: UTF8.self))
            }
    }

    @Test func aRolloutAFailingApplyAndATeardownWriteStatusOnlyThroughRecord() async throws {
        let h = try await ControllerHarness.start(simulation: WorkloadSimulation(readyAfter: 0.3))
        defer { Task { await h.stop() } }
        let records = LockedValue(0)
        let instance = try await h.launch(onStep: { key, step in
            if key.number == 1, case .record = step { records.withLock { $0 += 1 } }
        })
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("Ready") { await h.isReady(1, at: sha) }

        // A push whose apply fails twice on the API server (5 attempts each), then succeeds.
        await h.fakeKube.inject(FakeKubernetesFault(.status(500, reason: "InternalError"), method: "PATCH", pathContains: "/configmaps/", times: 10))
        let next = try h.commitBundle(version: "2")
        await h.putPR(1, sha: next)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("Ready at the new commit", timeout: .seconds(20)) { await h.isReady(1, at: next) }

        await h.putPR(1, sha: next, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("gone") { await h.isGone(1) }
        try await Task.sleep(for: .milliseconds(200))

        let writes = await Self.statusWrites(h.fakeKube, name: "pr-1-shop")
        let lifecycle = writes.filter { !$0.fields.isDisjoint(with: Self.lifecycleFields) }
        #expect(lifecycle.allSatisfy { $0.manager == "sandcastle-lifecycle" }, "\(lifecycle.map(\.manager))")
        #expect(writes.filter { $0.manager == "sandcastle-lifecycle" }.count == lifecycle.count)
        // One write per `.record` step the planner chose: nothing else authored one.
        #expect(lifecycle.count == records.withLock { $0 }, "\(lifecycle.count) lifecycle writes, \(records.withLock { $0 }) record steps")
        let phases = lifecycle.compactMap { write in
            (try? ManifestValue.parseJSON(Data(write.body.utf8)).object)?.flatMap { $0.value(at: "status.phase")?.string }
        }
        #expect(phases.contains("Failed"), "the failed apply was recorded: \(phases)")
        #expect(lifecycle.contains { $0.body.contains("ApplyFailed") })
        let firstReady = try #require(phases.firstIndex(of: "Ready"), "\(phases)")
        #expect(firstReady < (phases.lastIndex(of: "Failed") ?? 0), "the push's failure came after the first Ready: \(phases)")
    }

    @Test func aQueuedPRsRecordOfWaitingIsWrittenThroughRecordToo() async throws {
        let h = try await ControllerHarness.start(maxConcurrent: 1)
        defer { Task { await h.stop() } }
        let records = LockedValue(0)
        let instance = try await h.launch(onStep: { key, step in
            if key.number == 2, case .record = step { records.withLock { $0 += 1 } }
        })
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        try await eventually("PR 1 Ready") { await h.isReady(1, at: sha) }
        await h.putPR(2, sha: sha)
        try await h.deliver("opened", pr: 2, to: instance)
        try await eventually("PR 2 recorded as Queued") { await h.environment(2)?.value(at: "status.phase")?.string == "Queued" }

        // PR 1 goes; PR 2 is admitted into the slot and turns Ready.
        await h.putPR(1, sha: sha, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("PR 2 Ready", timeout: .seconds(20)) { await h.isReady(2, at: sha) }
        try await Task.sleep(for: .milliseconds(200))

        let writes = await Self.statusWrites(h.fakeKube, name: "pr-2-shop")
        let lifecycle = writes.filter { !$0.fields.isDisjoint(with: Self.lifecycleFields) }
        #expect(lifecycle.allSatisfy { $0.manager == "sandcastle-lifecycle" }, "\(lifecycle.map(\.manager))")
        #expect(lifecycle.count == records.withLock { $0 }, "\(lifecycle.count) lifecycle writes, \(records.withLock { $0 }) record steps")
        #expect(lifecycle.first?.body.contains("WaitingForSlot") == true, "the first write is the wait: \(lifecycle.first?.body ?? "none")")
    }
}
