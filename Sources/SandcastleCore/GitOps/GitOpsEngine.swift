/// The GitOps engine a `sink.kind: argocd|flux` configuration hands the bundle to: Sandcastle
/// renders the namespace, its baselines and the engine's objects; the engine syncs the bundle.
public struct GitOpsEngine: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case argocd(ArgoCDSinkSettings)
        case flux(FluxSinkSettings)
    }

    public var kind: Kind
    /// The forge's API URL, for the repositories' clone URLs.
    public var forgeAPIURL: String

    /// The engine of `sink`; `nil` for the cluster and directory sinks.
    public init?(sink: SinkConfig, forgeAPIURL: String) {
        switch sink.kind {
        case .argocd: kind = .argocd(sink.argocd)
        case .flux: kind = .flux(sink.flux)
        case .cluster, .directory: return nil
        }
        self.forgeAPIURL = forgeAPIURL
    }

    /// `Argo CD` or `Flux`, for messages.
    public var name: String {
        switch kind {
        case .argocd: "Argo CD"
        case .flux: "Flux"
        }
    }

    /// The namespace the engine's objects live in.
    public var namespace: String {
        switch kind {
        case .argocd(let settings): settings.namespace
        case .flux(let settings): settings.namespace
        }
    }

    /// Every kind Sandcastle writes in ``namespace`` (the janitor reaps orphans of these).
    public var writtenKinds: [(apiVersion: String, kind: String)] {
        switch kind {
        case .argocd: [(ArgoCDApplication.apiVersion, ArgoCDApplication.kind), (ArgoCDApplication.apiVersion, "AppProject")]
        case .flux:
            [
                (FluxObjects.kustomizeAPIVersion, "Kustomization"), (FluxObjects.helmAPIVersion, "HelmRelease"),
                (FluxObjects.sourceAPIVersion, "GitRepository"), (FluxObjects.sourceAPIVersion, "HelmRepository"),
                (FluxObjects.ociAPIVersion, "OCIRepository"), ("v1", "ServiceAccount"),
            ]
        }
    }

    /// The kinds whose status is a preview's readiness and whose removal lets a teardown go on:
    /// watched in ``namespace``.
    public var watchedKinds: [(apiVersion: String, kind: String)] {
        switch kind {
        case .argocd: [(ArgoCDApplication.apiVersion, ArgoCDApplication.kind)]
        case .flux:
            [
                (FluxObjects.sourceAPIVersion, "GitRepository"), (FluxObjects.kustomizeAPIVersion, "Kustomization"),
                (FluxObjects.helmAPIVersion, "HelmRelease"),
            ]
        }
    }

    /// What Sandcastle writes for one preview: the engine's objects (in ``namespace``) and the
    /// objects the preview namespace needs for the engine (Flux's RoleBinding).
    public func objects(for context: RenderContext) throws(RenderError) -> (engine: [Manifest], preview: [Manifest]) {
        let url = ArgoCDProject.repositoryURL(context.key.repository, apiURL: forgeAPIURL)
        switch kind {
        case .argocd(let settings): return (try ArgoCDApplication.objects(for: context, settings: settings, repositoryURL: url), [])
        case .flux(let settings): return try FluxObjects.objects(for: context, settings: settings, repositoryURL: url)
        }
    }

    /// Engine objects carry the preview's ownership labels, like everything Sandcastle writes.
    static func metadata(_ context: RenderContext, name: String, namespace: String, finalizers: [String] = []) -> ManifestValue {
        var metadata: ManifestObject = [
            "name": .string(name), "namespace": .string(namespace), "labels": .strings(Ownership.labels(for: context.key)),
        ]
        if !finalizers.isEmpty { metadata["finalizers"] = .array(finalizers.map(ManifestValue.string)) }
        return .object(metadata)
    }
}

extension ConfigDuration {
    /// The duration as Go's `time.ParseDuration` reads it (hours, minutes, seconds; no days).
    public var goDuration: String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
