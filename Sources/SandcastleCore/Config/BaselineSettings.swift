import Foundation

/// LimitRange defaults for containers (resource name → quantity).
public struct LimitRangeSettings: Sendable, Hashable {
    public var defaultRequest: [String: String]
    public var defaultLimit: [String: String]
    public var max: [String: String]
}

/// How the preview's namespace is isolated on the network.
public enum NetworkPolicyMode: String, Sendable, Hashable, CaseIterable {
    /// Deny all ingress and egress except same-namespace traffic, the ingress controller and DNS.
    case isolated
    /// Deny ingress except from the same namespace and the ingress controller; egress is open.
    case ingressOnly = "ingress-only"
    /// No NetworkPolicy is rendered.
    case off
}

public struct NetworkPolicySettings: Sendable, Hashable {
    public var mode: NetworkPolicyMode
    /// Namespace of the ingress controller whose traffic is allowed in.
    public var ingressNamespace: String
}

/// Pod Security Standard enforced on the namespace.
public enum PodSecurityLevel: String, Sendable, Hashable, CaseIterable { case restricted, baseline, privileged }
