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
        let allowed = Set(settings.allowedKinds)
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
            } else if !allowed.contains(object.kind) {
                issues.append(
                    .init(
                        location: ref, message: "kind \(object.kind) is not in bundle.allowedKinds (\(settings.allowedKinds.joined(separator: ", ")))"
                    ))
            }
            if let foreign = object.namespace, foreign != namespace {
                issues.append(
                    .init(
                        location: ref,
                        message: "hard-coded namespace '\(foreign)'; objects must not set metadata.namespace (Sandcastle sets it to '\(namespace)')"))
            }
            let size = object.canonicalJSON.utf8.count
            if size > settings.maxObjectBytes {
                issues.append(.init(location: ref, message: "\(size) bytes; at most \(settings.maxObjectBytes) are allowed (bundle.maxObjectBytes)"))
            }
            if !seen.insert("\(object.group)/\(object.kind)/\(object.name)").inserted {
                issues.append(.init(location: ref, message: "duplicate object"))
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
