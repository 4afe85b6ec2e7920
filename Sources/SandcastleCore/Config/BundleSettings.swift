import Foundation

/// How a repository's deploy bundle is built.
public enum BundleKind: String, Sendable, Hashable, CaseIterable { case manifests, kustomize, helm }

public struct BundleSettings: Sendable, Hashable {
    /// Path of the bundle inside the repository.
    public var path: String
    public var kind: BundleKind
    /// Kinds a bundle may contain.
    public var allowedKinds: [String]
    public var maxObjects: Int
    /// Largest single object, in bytes of canonical JSON.
    public var maxObjectBytes: Int
    /// Service types a bundle may use besides ClusterIP (`NodePort`, `LoadBalancer`, `ExternalName`).
    public var allowedServiceTypes: [String] = []
    /// Whether a bundle's Services may set `externalIPs`.
    public var allowExternalIPs = false
    /// Annotations a bundle's Ingress and routes may carry (`*` patterns). Snippet annotations are
    /// refused unless listed exactly.
    public var allowedRouteAnnotations: [String] = ["*"]
    /// How a `helm` bundle is rendered.
    public var helm = HelmBundleSettings()
}
