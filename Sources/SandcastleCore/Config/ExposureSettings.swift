/// What a preview exposes and how it is reached: `expose` entries and the `route` they share.
public struct ExposeEntry: Sendable, Hashable {
    public enum Port: Sendable, Hashable {
        case number(Int)
        case name(String)
    }

    /// The Service in the preview that receives the traffic.
    public var service: String
    public var port: Port
    /// The host for this entry (a template: a first DNS label such as `omni-{{ repo }}-pr-{{ number }}`,
    /// put under the domain, or a full name); `nil` is the preview host.
    public var host: Template?

    public init(service: String, port: Port, host: Template? = nil) {
        self.service = service
        self.port = port
        self.host = host
    }
}

/// How `expose` entries are routed: an Ingress or Gateway API HTTPRoutes.
public struct RouteSettings: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case ingress
        case httproute
    }

    /// A Gateway the HTTPRoutes attach to.
    public struct ParentRef: Sendable, Hashable {
        public var name: String
        public var namespace: String?
        public var sectionName: String?

        public init(name: String, namespace: String? = nil, sectionName: String? = nil) {
            self.name = name
            self.namespace = namespace
            self.sectionName = sectionName
        }
    }

    public var kind: Kind = .ingress
    public var ingressClassName: String?
    /// Annotations of the rendered Ingress (e.g. for cert-manager or the ingress controller).
    public var annotations: [String: String] = [:]
    /// A TLS Secret in the preview namespace (e.g. a copied wildcard certificate) for every host.
    public var tlsSecretName: String?
    /// An Ingress is ready once its controller published a load-balancer address; `false` for
    /// controllers that never set one.
    public var waitForAddress = true
    public var parentRefs: [ParentRef] = []

    public init() {}
}

/// A Secret copied into every preview from a namespace the platform team controls.
public struct SecretCopy: Sendable, Hashable {
    public var sourceNamespace: String
    public var sourceName: String
    /// The copy's name in the preview (default the source's).
    public var name: String
    /// Copied for PRs from forks too (default: not).
    public var allowForks: Bool

    public init(sourceNamespace: String, sourceName: String, name: String, allowForks: Bool = false) {
        self.sourceNamespace = sourceNamespace
        self.sourceName = sourceName
        self.name = name
        self.allowForks = allowForks
    }

    /// `namespace/name` of the source.
    public var source: String { "\(sourceNamespace)/\(sourceName)" }
}

/// An External Secrets Operator `ExternalSecret` rendered into every preview.
public struct ExternalSecretTemplate: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var secretKey: String
        /// The remote key, with `{{ }}` variables (`previews/{{ repo }}/pr-{{ number }}`).
        public var remoteKey: Template
        public var property: String?

        public init(secretKey: String, remoteKey: Template, property: String? = nil) {
            self.secretKey = secretKey
            self.remoteKey = remoteKey
            self.property = property
        }
    }

    /// The ExternalSecret's name, which is also the name of the Secret it creates.
    public var name: String
    public var storeName: String
    /// `SecretStore` or `ClusterSecretStore`.
    public var storeKind: String
    public var refreshInterval: String
    public var data: [Entry]

    public init(name: String, storeName: String, storeKind: String, refreshInterval: String = "1h", data: [Entry]) {
        self.name = name
        self.storeName = storeName
        self.storeKind = storeKind
        self.refreshInterval = refreshInterval
        self.data = data
    }
}

/// Where a preview's pods run: injected into every pod template.
public struct SchedulingSettings: Sendable, Hashable {
    public struct Toleration: Sendable, Hashable {
        public var key: String?
        public var `operator`: String?
        public var value: String?
        public var effect: String?

        public init(key: String? = nil, operator: String? = nil, value: String? = nil, effect: String? = nil) {
            self.key = key
            self.operator = `operator`
            self.value = value
            self.effect = effect
        }
    }

    public var nodeSelector: [String: String] = [:]
    public var tolerations: [Toleration] = []
    public var priorityClassName: String?

    public init() {}

    public var isEmpty: Bool { nodeSelector.isEmpty && tolerations.isEmpty && priorityClassName == nil }
}

/// Namespaces with a fixed meaning to Sandcastle.
public enum ClusterNamespaces {
    /// The controller's own namespace by default (its GitHub key, its webhook secret): never a source of copies.
    public static let controller = "sandcastle-system"
}
