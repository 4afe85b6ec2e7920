/// A state of a preview's GitHub Deployment.
public struct DeploymentUpdate: Sendable, Hashable {
    /// GitHub's deployment status states that Sandcastle uses.
    public enum State: String, Sendable, Hashable {
        case inProgress = "in_progress"
        case success
        case failure
        /// Set on every deployment of the environment when the preview is torn down.
        case inactive
    }

    public var state: State
    /// The head commit deployed.
    public var sha: String
    /// The GitHub environment name, `pr-<number>` unless configured.
    public var environment: String
    /// The preview URL; sent as `environment_url` with `success`.
    public var environmentURL: String?
    public var description: String

    public init(state: State, sha: String, environment: String, environmentURL: String? = nil, description: String = "") {
        self.state = state
        self.sha = sha
        self.environment = environment
        self.environmentURL = environmentURL
        self.description = String(description.prefix(140))
    }

    /// The default environment name of a preview: `pr-<number>`.
    public static func defaultEnvironment(for key: PreviewKey) -> String { "pr-\(key.number)" }
}
