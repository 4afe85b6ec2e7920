import Foundation
import SandcastleCore

/// One RBAC rule: verbs on resources (`plural` or `plural/subresource`) of API groups, cluster-wide
/// (a ClusterRole bound by a ClusterRoleBinding) or in one namespace (a Role).
public struct FakeRBACRule: Sendable, Hashable {
    public var apiGroups: [String]
    public var resources: [String]
    public var verbs: [String]
    /// `nil`: every namespace and cluster-scoped resources.
    public var namespace: String?
    /// Empty: every object; otherwise only these names (RBAC's `resourceNames`).
    public var resourceNames: [String] = []

    public init(apiGroups: [String], resources: [String], verbs: [String], namespace: String? = nil, resourceNames: [String] = []) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.namespace = namespace
        self.resourceNames = resourceNames
    }

    func allows(_ attributes: FakeKubernetes.RequestAttributes) -> Bool {
        if let namespace, attributes.namespace != namespace { return false }
        if !resourceNames.isEmpty, !resourceNames.contains(attributes.name ?? "") { return false }
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        return (apiGroups.contains("*") || apiGroups.contains(attributes.group)) && (resources.contains("*") || resources.contains(resource))
            && (verbs.contains("*") || verbs.contains(attributes.verb))
    }

    /// The rules the RBAC documents in `files` (paths inside the repository, e.g. `deploy/rbac.yaml`)
    /// grant the controller's service account `sandcastle-system:sandcastle`.
    public static func grantedToTheController(byFiles files: [String]) throws -> [FakeRBACRule] {
        let root = repositoryRoot(from: #filePath)
        var documents: [ManifestObject] = []
        for file in files {
            documents += try ManifestYAML.parseDocuments(try String(contentsOfFile: root + "/" + file, encoding: .utf8)).compactMap(\.object)
        }
        return granted(by: documents, to: ("sandcastle-system", "sandcastle"))
    }

    /// The rules RBAC documents grant `serviceAccount` (`NAMESPACE:NAME`): ClusterRoles through
    /// ClusterRoleBindings, Roles through RoleBindings in their namespace.
    public static func granted(by documents: [ManifestObject], to serviceAccount: (namespace: String, name: String)) -> [FakeRBACRule] {
        func binds(_ binding: ManifestObject) -> Bool {
            (binding.value(at: "subjects")?.array ?? []).contains { subject in
                subject.object?["kind"]?.string == "ServiceAccount" && subject.object?["name"]?.string == serviceAccount.name
                    && subject.object?["namespace"]?.string == serviceAccount.namespace
            }
        }
        func rules(of role: ManifestObject, namespace: String?) -> [FakeRBACRule] {
            (role.value(at: "rules")?.array ?? []).compactMap(\.object).map { rule in
                FakeRBACRule(
                    apiGroups: rule["apiGroups"]?.array?.compactMap(\.string) ?? [], resources: rule["resources"]?.array?.compactMap(\.string) ?? [],
                    verbs: rule["verbs"]?.array?.compactMap(\.string) ?? [], namespace: namespace,
                    resourceNames: rule["resourceNames"]?.array?.compactMap(\.string) ?? [])
            }
        }
        func role(kind: String, name: String?, namespace: String?) -> ManifestObject? {
            documents.first {
                $0["kind"]?.string == kind && $0.value(at: "metadata.name")?.string == name
                    && (namespace == nil || $0.value(at: "metadata.namespace")?.string == namespace)
            }
        }
        var granted: [FakeRBACRule] = []
        for binding in documents where binds(binding) {
            let roleName = binding.value(at: "roleRef.name")?.string
            let roleKind = binding.value(at: "roleRef.kind")?.string ?? ""
            switch binding["kind"]?.string {
            case "ClusterRoleBinding":
                if let found = role(kind: "ClusterRole", name: roleName, namespace: nil) { granted += rules(of: found, namespace: nil) }
            case "RoleBinding":
                let namespace = binding.value(at: "metadata.namespace")?.string
                if let found = role(kind: roleKind, name: roleName, namespace: roleKind == "Role" ? namespace : nil) {
                    granted += rules(of: found, namespace: namespace)
                }
            default: break
            }
        }
        return granted
    }
}

extension FakeKubernetes {
    /// What RBAC decides on: the verb, the resource and where.
    public struct RequestAttributes: Sendable, Hashable {
        public var verb: String
        public var group: String
        public var resource: String
        public var subresource: String?
        public var namespace: String?
        public var name: String?
    }

    /// Authorizes every resource request of `user` against `rules` (discovery, `/version` and
    /// `SelfSubjectAccessReview` stay open, as for every authenticated user); denials answer the
    /// real `403 Forbidden` body.
    public func restrictAccess(user: String, rules: [FakeRBACRule]) {
        access = (user, rules)
    }

    /// Authorizes the requests that carry `Authorization: Bearer <token>` as `user` with `rules`,
    /// as a real server does for a ServiceAccount's token; other requests keep their access.
    public func restrictAccess(user: String, rules: [FakeRBACRule], token: String) {
        tokenAccess[token] = (user, rules)
    }

    /// The user and rules a request is authorized with; `nil`: open access.
    func accessOf(_ request: FakeHTTPRequest) -> (user: String, rules: [FakeRBACRule])? {
        let token = request.headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        return token.flatMap { tokenAccess[$0] } ?? access
    }

    /// The attributes of a resource request; `nil` for discovery and other non-resource paths.
    func attributes(of request: FakeHTTPRequest) -> RequestAttributes? {
        var parts = request.path.split(separator: "/").map(String.init)
        let group: String
        if parts.first == "api", parts.count >= 3 {
            group = ""
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 4 {
            group = parts[1]
            parts.removeFirst(3)
        } else {
            return nil
        }
        var namespace: String?
        if parts.count >= 3, parts[0] == "namespaces" {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        let name = parts.count > 1 ? parts[1] : nil
        let verb: String
        switch request.method {
        case "GET": verb = name == nil ? (request.query["watch"] == "true" || request.query["watch"] == "1" ? "watch" : "list") : "get"
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = "delete"
        default: verb = request.method.lowercased()
        }
        return RequestAttributes(
            verb: verb, group: group, resource: parts[0], subresource: parts.count > 2 ? parts[2] : nil, namespace: namespace, name: name)
    }

    /// `nil` when the request is allowed, else the `403` the real server answers.
    func authorize(_ request: FakeHTTPRequest, verb: String? = nil) -> KubeStatus? {
        guard let (user, rules) = accessOf(request), var attributes = attributes(of: request) else { return nil }
        if let verb { attributes.verb = verb }
        if attributes.group == "authorization.k8s.io", ["selfsubjectaccessreviews", "selfsubjectrulesreviews"].contains(attributes.resource) {
            return nil
        }
        if rules.contains(where: { $0.allows(attributes) }) { return nil }
        return Self.forbidden(attributes, user: user)
    }

    static func forbidden(_ attributes: RequestAttributes, user: String) -> KubeStatus {
        let resource = attributes.subresource.map { "\(attributes.resource)/\($0)" } ?? attributes.resource
        let qualified = attributes.group.isEmpty ? attributes.resource : "\(attributes.resource).\(attributes.group)"
        let subject = attributes.name.map { "\(qualified) \"\($0)\"" } ?? qualified
        let scope = attributes.namespace.map { " in the namespace \"\($0)\"" } ?? " at the cluster scope"
        return KubeStatus(
            code: 403, reason: "Forbidden",
            message:
                "\(subject) is forbidden: User \"\(user)\" cannot \(attributes.verb) resource \"\(resource)\" in API group \"\(attributes.group)\"\(scope)",
            name: attributes.name ?? "", group: attributes.group, kind: attributes.resource)
    }

    /// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: answered from the same rules.
    func selfSubjectAccessReview(_ request: FakeHTTPRequest) throws(KubeStatus) -> FakeHTTPResponse {
        var review = try Self.body(request)
        guard let resource = review.value(at: "spec.resourceAttributes")?.object else {
            throw KubeStatus(
                code: 422, reason: "Invalid",
                message: "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Required value",
                group: "authorization.k8s.io", kind: "SelfSubjectAccessReview",
                causes: [("FieldValueRequired", "Required value", "spec.resourceAttributes")])
        }
        let attributes = RequestAttributes(
            verb: resource["verb"]?.string ?? "", group: resource["group"]?.string ?? "", resource: resource["resource"]?.string ?? "",
            subresource: resource["subresource"]?.string.flatMap { $0.isEmpty ? nil : $0 },
            namespace: resource["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 }, name: resource["name"]?.string)
        // Empty strings are not echoed (the real types omit them).
        if var attributes = review.value(at: "spec.resourceAttributes")?.object {
            attributes = ManifestObject(attributes.pairs.filter { $0.value != .string("") })
            review.set(.object(attributes), at: "spec.resourceAttributes")
        }
        var status: ManifestObject = ["allowed": true]
        if let (_, rules) = accessOf(request) {
            let allowed = rules.contains { $0.allows(attributes) }
            status = ["allowed": .bool(allowed)]
        } else {
            status["reason"] = "RBAC: allowed by the fake's open access"
        }
        review["status"] = .object(status)
        review.set(.object(ManifestObject()), at: "metadata")
        review.set(.string(KubernetesTime.string(Date())), at: "metadata.creationTimestamp")
        return Self.json(201, .object(review))
    }

    /// `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews`: the rules of the requester in
    /// `spec.namespace`, as the real authorizer lists them (open access: everything).
    func selfSubjectRulesReview(_ request: FakeHTTPRequest) throws(KubeStatus) -> FakeHTTPResponse {
        var review = try Self.body(request)
        let namespace = review.value(at: "spec.namespace")?.string ?? ""
        let rules = accessOf(request)?.rules ?? [FakeRBACRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"])]
        let resourceRules: [ManifestValue] = rules.filter { $0.namespace == nil || $0.namespace == namespace }.map { rule in
            var entry: ManifestObject = [
                "verbs": .array(rule.verbs.map { .string($0) }), "apiGroups": .array(rule.apiGroups.map { .string($0) }),
                "resources": .array(rule.resources.map { .string($0) }),
            ]
            if !rule.resourceNames.isEmpty { entry["resourceNames"] = .array(rule.resourceNames.map { .string($0) }) }
            return .object(entry)
        }
        review["status"] = ["resourceRules": .array(resourceRules), "nonResourceRules": [], "incomplete": false]
        // The answer does not echo the namespace asked about.
        review["spec"] = .object(ManifestObject())
        review["metadata"] = ["creationTimestamp": .null]
        return Self.json(201, .object(review))
    }
}
