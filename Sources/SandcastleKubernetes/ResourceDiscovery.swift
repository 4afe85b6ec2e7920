import Foundation

/// What discovery says about a kind: its resource (plural) name and whether it is namespaced.
public struct ResourceInfo: Sendable, Equatable {
    public var plural: String
    public var namespaced: Bool
}

/// Group/version/kind → resource, from the server's discovery documents (`/api/v1`,
/// `/apis/GROUP/VERSION`). Each group-version is fetched once and cached; a kind missing from the
/// cache triggers one refetch of its group-version, so CRDs installed later are found.
actor ResourceDiscovery {
    private var cache: [String: [String: ResourceInfo]] = [:]
    private var fetchedAt: [String: Date] = [:]
    /// A miss refetches a group-version at most this often.
    private let minimumRefresh: TimeInterval

    init(minimumRefresh: TimeInterval = 1) { self.minimumRefresh = minimumRefresh }

    /// Resolves `kind` in `apiVersion`, fetching with `fetch(path)` on a miss.
    func resolve(apiVersion: String, kind: String, fetch: @Sendable (String) async throws -> Data) async throws -> ResourceInfo {
        if let info = cache[apiVersion]?[kind] { return info }
        if let last = fetchedAt[apiVersion], Date().timeIntervalSince(last) < minimumRefresh, cache[apiVersion] != nil {
            throw KubernetesError.unknownType(apiVersion: apiVersion, kind: kind)
        }
        let path = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        let data: Data
        do {
            data = try await fetch(path)
        } catch KubernetesError.status(let status) where status.reason == .notFound {
            throw KubernetesError.unknownType(apiVersion: apiVersion, kind: kind)
        }
        struct ResourceList: Decodable {
            struct Resource: Decodable {
                var name: String
                var namespaced: Bool
                var kind: String
            }
            var resources: [Resource]
        }
        guard let list = try? JSONDecoder().decode(ResourceList.self, from: data) else {
            throw KubernetesError.malformedResponse(request: "GET \(path)", reason: "not an APIResourceList")
        }
        var kinds: [String: ResourceInfo] = [:]
        for resource in list.resources where !resource.name.contains("/") {
            kinds[resource.kind] = ResourceInfo(plural: resource.name, namespaced: resource.namespaced)
        }
        cache[apiVersion] = kinds
        fetchedAt[apiVersion] = Date()
        guard let info = kinds[kind] else { throw KubernetesError.unknownType(apiVersion: apiVersion, kind: kind) }
        return info
    }
}
