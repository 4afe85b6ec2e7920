import Foundation
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// The lifecycle runs as the controller's ServiceAccount with exactly what `deploy/rbac.yaml`
/// grants (the fake authorizes it as RBAC does, as the recorded ServiceAccount exchanges show the
/// real authorizer answering); a verb taken out of the shipped ClusterRole stops it with a message
/// naming that verb and resource.
@Suite("The shipped RBAC is enough, and each verb it grants is needed")
struct ShippedRBACTests {
    /// The shipped RBAC documents with `verb` taken from the ClusterRole's rule for `resource`.
    static func shippedRules(without verb: String, on resource: String) throws -> [FakeRBACRule] {
        let text = try String(contentsOfFile: repositoryRoot(from: #filePath) + "/deploy/rbac.yaml", encoding: .utf8)
        var documents = try ManifestYAML.parseDocuments(text).compactMap(\.object)
        var removed = false
        for (index, document) in documents.enumerated() where document["kind"]?.string == "ClusterRole" {
            var rules: [ManifestValue] = []
            for case .object(let rule) in document["rules"]?.array ?? [] {
                let resources = rule["resources"]?.array?.compactMap(\.string) ?? []
                let verbs = rule["verbs"]?.array?.compactMap(\.string) ?? []
                guard resources.contains(resource), verbs.contains(verb) else {
                    rules.append(.object(rule))
                    continue
                }
                removed = true
                // The other resources keep every verb; this one loses `verb`.
                var others = rule
                others["resources"] = .array(resources.filter { $0 != resource }.map { .string($0) })
                if !resources.filter({ $0 != resource }).isEmpty { rules.append(.object(others)) }
                var narrowed = rule
                narrowed["resources"] = [.string(resource)]
                narrowed["verbs"] = .array(verbs.filter { $0 != verb }.map { .string($0) })
                rules.append(.object(narrowed))
            }
            documents[index]["rules"] = .array(rules)
        }
        guard removed else { throw ShippedRBACError("deploy/rbac.yaml's ClusterRole does not grant \(verb) on \(resource)") }
        return FakeRBACRule.granted(by: documents, to: ("sandcastle-system", "sandcastle"))
    }

    @Test func openReadyPushAndCloseAsTheServiceAccount() async throws {
        let h = try await ControllerHarness.start()
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try await h.openUntilReady(1, on: instance)
        let next = try h.commitBundle(version: "2")
        await h.putPR(1, sha: next)
        try await h.deliver("synchronize", pr: 1, to: instance)
        try await eventually("Ready at the push") { await h.isReady(1, at: next) }
        await h.putPR(1, sha: next, state: "closed")
        try await h.deliver("closed", pr: 1, to: instance)
        try await eventually("gone") { await h.isGone(1) }
        #expect(sha != next)
        let refused = await h.fakeKube.requests.filter { $0.status == 403 }
        #expect(refused.isEmpty, "the shipped RBAC refused: \(refused.map { "\($0.method) \($0.path)" })")
    }

    @Test(arguments: [("patch", "deployments"), ("create", "namespaces")])
    func aVerbTakenFromTheShippedRoleIsNamedWhereThePreviewFails(verb: String, resource: String) async throws {
        let h = try await ControllerHarness.start(rbac: try Self.shippedRules(without: verb, on: resource))
        defer { Task { await h.stop() } }
        let instance = try await h.launch()
        let sha = try h.commitBundle(version: "1")
        await h.putPR(1, sha: sha)
        try await h.deliver("opened", pr: 1, to: instance)
        let words = "cannot \(verb) resource \"\(resource)\""
        try await eventually("the refusal is named on the PR", timeout: .seconds(15)) {
            let commented = await h.comments(1).contains { $0.body.contains(words) }
            let statuses = await h.fakeGitHub.statuses(ControllerHarness.repo, sha: sha)
            return commented || statuses.contains { ($0.description ?? "").contains(verb) && ($0.description ?? "").contains(resource) }
        }
        #expect(await h.fakeKube.requests.contains { $0.status == 403 })
    }
}

struct ShippedRBACError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
