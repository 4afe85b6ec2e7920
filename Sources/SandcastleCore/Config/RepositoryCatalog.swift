import Foundation

/// The repositories Sandcastle serves and their settings, now. Every adapter asks at each use and
/// keeps no copy, so a repository added, changed or removed while running is followed: the file's
/// `repositories` fill it at start; a `PreviewRepository` watch can replace it later.
public protocol RepositoryCatalog: Sendable {
    /// Every repository served now, in a stable order.
    var all: [RepositoryConfig] { get }
    /// The settings of `name` now (compared case-insensitively); `nil` when it is not served.
    func repository(_ name: RepositoryName) -> RepositoryConfig?
    /// The repository served now whose objects carry `value` as their repository label
    /// (``Ownership/repositoryLabelValue(_:)``); asked for every watch event, so it is an index.
    func repository(labeled value: String) -> RepositoryConfig?
    /// The last settings of a repository that was served and no longer is, so its previews are
    /// torn down the way they were made; `nil` when it is served or was never known.
    func retired(_ name: RepositoryName) -> RepositoryConfig?
}

extension RepositoryCatalog {
    /// The names of the repositories served now.
    public var names: [RepositoryName] { all.map(\.name) }
}

/// A catalog held in memory and replaced as a whole (``replace(with:)``).
public final class RepositoryList: RepositoryCatalog {
    private struct State {
        var current: [RepositoryConfig]
        var retired: [RepositoryName: RepositoryConfig] = [:]
        /// Repository label value → repository, rebuilt with `current`.
        var byLabel: [String: RepositoryConfig]

        init(current: [RepositoryConfig]) {
            self.current = current
            byLabel = Dictionary(current.map { (Ownership.repositoryLabelValue($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private let state: LockedValue<State>

    public init(_ repositories: [RepositoryConfig]) { state = LockedValue(State(current: repositories)) }

    /// The repositories of a configuration file.
    public convenience init(_ config: SandcastleConfig) { self.init(config.repositories) }

    public var all: [RepositoryConfig] { state.withLock { $0.current } }

    public func repository(_ name: RepositoryName) -> RepositoryConfig? { state.withLock { $0.current.first { $0.name == name } } }

    public func repository(labeled value: String) -> RepositoryConfig? { state.withLock { $0.byLabel[value] } }

    public func retired(_ name: RepositoryName) -> RepositoryConfig? {
        state.withLock { state in state.current.contains { $0.name == name } ? nil : state.retired[name] }
    }

    /// Serves `repositories` from now on; those that leave are kept as retired.
    public func replace(with repositories: [RepositoryConfig]) {
        state.withLock { state in
            for old in state.current where !repositories.contains(where: { $0.name == old.name }) { state.retired[old.name] = old }
            for new in repositories { state.retired[new.name] = nil }
            let retired = state.retired
            state = State(current: repositories)
            state.retired = retired
        }
    }
}
