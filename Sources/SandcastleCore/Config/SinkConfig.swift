import Foundation

/// Where rendered previews go.
public struct SinkConfig: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case cluster, directory, argocd, flux }
    public var kind: Kind
    /// Output directory of the `directory` sink.
    public var path: String?
    /// Settings of the `argocd` sink.
    public var argocd = ArgoCDSinkSettings()
    /// Settings of the `flux` sink.
    public var flux = FluxSinkSettings()

    /// Whether a GitOps engine (Argo CD or Flux) syncs the bundle instead of Sandcastle.
    public var isGitOps: Bool { kind == .argocd || kind == .flux }
    /// `true` when the configuration has no `sink` section: `sandcastle run` then uses the
    /// cluster if one is configured (kubeconfig or in-cluster) and the directory sink otherwise.
    public var isDefault: Bool

    /// Where the directory sink writes when no `sink` is configured and no cluster is found.
    public static let defaultDirectory = "sandcastle-previews"

    public init(kind: Kind, path: String?, isDefault: Bool = false) {
        self.kind = kind
        self.path = path
        self.isDefault = isDefault
    }
}
