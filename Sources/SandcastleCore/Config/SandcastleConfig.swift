import Foundation

/// A parsed and validated `sandcastle.yaml` (`apiVersion: sandcastle.dev/v1alpha1`, `kind: SandcastleConfig`).
public struct SandcastleConfig: Sendable {
    public static let apiVersion = "sandcastle.dev/v1alpha1"
    public static let kind = "SandcastleConfig"

    public var forge: ForgeConfig
    public var sink: SinkConfig
    public var controller: ControllerSettings
    /// The settings every repository starts from.
    public var defaults: PreviewSettings
    /// Configured repositories, each with `defaults` deep-merged under its own keys.
    public var repositories: [RepositoryConfig]
    /// Registries digests are read from and previews pull from.
    public var registries: [RegistryConfig] = []

    public init(
        forge: ForgeConfig, sink: SinkConfig, controller: ControllerSettings = ControllerSettings(), defaults: PreviewSettings,
        repositories: [RepositoryConfig]
    ) {
        self.forge = forge
        self.sink = sink
        self.controller = controller
        self.defaults = defaults
        self.repositories = repositories
    }

    /// The configuration of `name`, compared case-insensitively; `nil` when it is not configured.
    public func repository(_ name: RepositoryName) -> RepositoryConfig? {
        repositories.first { $0.name == name }
    }
}

/// One repository and its resolved settings.
public struct RepositoryConfig: Sendable {
    public var name: RepositoryName
    public var settings: PreviewSettings

    public init(name: RepositoryName, settings: PreviewSettings) {
        self.name = name
        self.settings = settings
    }
}
