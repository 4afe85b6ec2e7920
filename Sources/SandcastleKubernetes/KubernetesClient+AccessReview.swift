import Foundation
import SandcastleCore

extension KubernetesClient {
    /// Whether the client's own credentials may `verb` the `resource` (`plural` or
    /// `plural/subresource`) of `group`, in `namespace` or cluster-wide: a
    /// `SelfSubjectAccessReview`, which every authenticated user may create.
    public func mayI(_ verb: String, _ resource: String, group: String, namespace: String?, name: String? = nil) async throws -> Bool {
        let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
        var attributes: ManifestObject = ["verb": .string(verb), "group": .string(group), "resource": .string(parts[0])]
        if parts.count > 1 { attributes["subresource"] = .string(parts[1]) }
        if let namespace { attributes["namespace"] = .string(namespace) }
        if let name { attributes["name"] = .string(name) }
        let review: ManifestValue = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": ["resourceAttributes": .object(attributes)],
        ]
        let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        let data = try await send(.POST, path, body: Data(review.canonicalJSONBytes), contentType: "application/json")
        guard let answer = try? ManifestValue.parseJSON(data).object, case .bool(let allowed) = answer.value(at: "status.allowed") else {
            throw KubernetesError.malformedResponse(request: "POST \(path)", reason: "no status.allowed in the answer")
        }
        return allowed
    }
}
