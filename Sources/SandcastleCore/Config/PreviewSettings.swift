import Foundation

/// Everything that decides how one repository's previews look and live.
public struct PreviewSettings: Sendable, Hashable {
    public var trigger: TriggerSettings
    /// Namespace name template over `owner`, `repo`, `number`; must start with a fixed prefix.
    public var namespaceTemplate: Template
    /// First host label template over `owner`, `repo`, `number`.
    public var hostTemplate: Template
    /// DNS domain under which hosts live; empty means the host is the bare label.
    public var domain: String
    /// How long a preview lives after its last activity.
    public var ttl: ConfigDuration
    /// How long before expiry the PR is warned.
    public var expiryWarning: ConfigDuration
    public var preserve: PreserveSettings
    /// Previews of this repository that may run at once; more wait in a queue.
    public var maxConcurrent: Int
    /// ResourceQuota `hard` entries (resource name → quantity).
    public var quota: [String: String]
    public var limitRange: LimitRangeSettings
    public var networkPolicy: NetworkPolicySettings
    public var podSecurity: PodSecurityLevel
    public var bundle: BundleSettings
    public var images: [ImagePin]
    public var imageOptions = ImageOptions()
    public var database: DatabaseSettings
    public var hooks: HookSettings
    public var readiness: ReadinessSettings
    /// Extra template values, available in bundles as `{{ values.NAME }}`.
    public var values: [String: String]
    /// Services Sandcastle routes to (an Ingress or HTTPRoutes it renders); empty: the bundle routes itself.
    public var expose: [ExposeEntry] = []
    public var route = RouteSettings()
    /// Secrets copied into every preview.
    public var secrets: [SecretCopy] = []
    public var externalSecrets: [ExternalSecretTemplate] = []
    public var scheduling = SchedulingSettings()
}

/// Which pull requests get a preview.
public struct TriggerSettings: Sendable, Hashable {
    /// Any one of these labels triggers a preview; empty means every open PR does.
    public var labels: [String]
    public var allowDrafts: Bool
    public var allowForks: Bool
    /// The least permission the person who added the label must hold.
    public var labelPermission: Permission
    /// Check runs or commit status contexts that must have succeeded on the head commit before it is deployed.
    public var requiredChecks: [String] = []
}

/// The preserve pin: a labelled preview outlives its TTL, up to `max` after its last activity.
public struct PreserveSettings: Sendable, Hashable {
    public var label: String
    public var max: ConfigDuration
}
