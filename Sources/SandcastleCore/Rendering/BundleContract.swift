/// What a repository's bundle may contain. Every violation is collected so that one run lists them all.
public enum BundleContract {
    /// Kinds that are not namespaced and so can never be part of a preview.
    public static let clusterScopedKinds: Set<String> = [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
        "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "APIService", "CSIDriver", "CSINode",
        "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "PodSecurityPolicy", "VolumeAttachment", "CertificateSigningRequest",
        "ClusterIssuer", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus", "PreviewEnvironment",
    ]

    /// Checks `objects` (as the bundle wrote them, before Sandcastle sets namespaces) against `settings`.
    public static func violations(of objects: [Manifest], namespace: String, settings: BundleSettings) -> [RenderError.Issue] {
        var issues: [RenderError.Issue] = []
        if objects.count > settings.maxObjects {
            issues.append(
                .init(location: "bundle", message: "\(objects.count) objects; at most \(settings.maxObjects) are allowed (bundle.maxObjects)"))
        }
        var seen = Set<String>()
        let allowed = Set(settings.allowedKinds.compactMap(qualified))
        for object in objects {
            let ref = object.reference
            if object.apiVersion.isEmpty || object.kind.isEmpty {
                issues.append(.init(location: ref, message: "missing apiVersion or kind"))
                continue
            }
            if object.name.isEmpty {
                issues.append(.init(location: ref, message: "missing metadata.name (generateName is not supported)"))
            } else if !isValidObjectName(object.name) {
                issues.append(.init(location: ref, message: "'\(object.name)' is not a valid object name (lowercase DNS subdomain)"))
            }
            if clusterScopedKinds.contains(object.kind) || object.kind.hasPrefix("Cluster") {
                issues.append(.init(location: ref, message: "cluster-scoped kind \(object.kind) is not allowed in a preview bundle"))
            } else if !allowed.contains(GroupKind(group: object.group, kind: object.kind)) {
                issues.append(
                    .init(
                        location: ref,
                        message:
                            "kind \(object.group.isEmpty ? "" : object.group + "/")\(object.kind) is not in bundle.allowedKinds (\(settings.allowedKinds.joined(separator: ", ")))"
                    ))
            }
            if let foreign = object.namespace, foreign != namespace {
                issues.append(
                    .init(
                        location: ref,
                        message: "hard-coded namespace '\(foreign)'; objects must not set metadata.namespace (Sandcastle sets it to '\(namespace)')"))
            }
            let size = object.canonicalJSONBytes.count
            if size > settings.maxObjectBytes {
                issues.append(.init(location: ref, message: "\(size) bytes; at most \(settings.maxObjectBytes) are allowed (bundle.maxObjectBytes)"))
            }
            if !seen.insert("\(object.group)/\(object.kind)/\(object.name)").inserted {
                issues.append(.init(location: ref, message: "duplicate object"))
            }
        }
        return issues
    }

    /// An API group and kind: what `bundle.allowedKinds` allows (a `Deployment` of another group is
    /// another kind).
    public struct GroupKind: Sendable, Hashable {
        public var group: String
        public var kind: String
    }

    /// The API group of each kind that `bundle.allowedKinds` may name without one.
    public static let builtinGroups: [String: String] = [
        "ConfigMap": "", "Secret": "", "Service": "", "ServiceAccount": "", "PersistentVolumeClaim": "", "Pod": "", "Endpoints": "",
        "ResourceQuota": "", "LimitRange": "", "Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps",
        "Job": "batch", "CronJob": "batch", "Ingress": "networking.k8s.io", "NetworkPolicy": "networking.k8s.io",
        "HorizontalPodAutoscaler": "autoscaling", "PodDisruptionBudget": "policy", "Role": "rbac.authorization.k8s.io",
        "RoleBinding": "rbac.authorization.k8s.io", "HTTPRoute": "gateway.networking.k8s.io", "GRPCRoute": "gateway.networking.k8s.io",
    ]

    /// `Kind` (a built-in kind, in its own group) or `group/Kind`; `nil` for a bare kind that is not built in.
    public static func qualified(_ entry: String) -> GroupKind? {
        if let slash = entry.lastIndex(of: "/") {
            return GroupKind(group: String(entry[..<slash]), kind: String(entry[entry.index(after: slash)...]))
        }
        return builtinGroups[entry].map { GroupKind(group: $0, kind: entry) }
    }

    /// Names a bundle object may not take: what Sandcastle renders itself (`reserved`: baselines,
    /// hook Jobs, the database Secret) and anything named `sandcastle-…`.
    public static func reservedNameViolations(of objects: [Manifest], reserved: [Manifest]) -> [RenderError.Issue] {
        let names = Set(reserved.map { "\($0.group)/\($0.kind)/\($0.name)" })
        var issues: [RenderError.Issue] = []
        for object in objects {
            if names.contains("\(object.group)/\(object.kind)/\(object.name)") {
                issues.append(
                    .init(
                        location: object.reference,
                        message:
                            "\(object.kind)/\(object.name) is Sandcastle's own (a baseline, hook or database object); a bundle cannot supply or replace it"
                    ))
            } else if object.name.hasPrefix("sandcastle-") {
                issues.append(
                    .init(location: object.reference, message: "names starting with 'sandcastle-' are reserved for Sandcastle's own objects"))
            }
        }
        return issues
    }

    /// A DNS-1123 subdomain of at most 253 characters.
    static func isValidObjectName(_ name: String) -> Bool {
        guard name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.count <= 63 && NameScheme.dnsLabel.isValid(String($0))
        }
    }
}
