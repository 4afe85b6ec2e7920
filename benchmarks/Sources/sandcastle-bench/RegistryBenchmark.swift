import Foundation
import SandcastleCore
import SandcastleRegistry
import SandcastleTestSupport

/// Digest resolution per image against Debian's `docker-registry` on loopback: cold (a new client:
/// the registry's challenge, the token or Basic answer, the HEAD) and cached (an immutable tag
/// resolved again: no request), for anonymous, htpasswd and Bearer-token registries.
func runRegistryBenchmark(images: Int) async throws {
    let sha = "0123456789abcdef0123456789abcdef01234567"
    print("digest resolution on loopback, \(images) images (median per image)")
    print("| registry auth | cold | cached | requests per cold resolution |")
    print("|---|---|---|---|")
    for auth in ["anonymous", "htpasswd", "token"] {
        var tokens: RegistryTokenService?
        let registry: LocalRegistry
        var config = RegistryConfig(host: "", insecure: true)
        var environment: [String: String] = [:]
        switch auth {
        case "htpasswd":
            registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "bench-pw"))
            (config.username, config.password) = (.environment("U"), .environment("P"))
            environment = ["U": "ci", "P": "bench-pw"]
        case "token":
            let service = try await RegistryTokenService.start(user: "ci", password: "bench-pw")
            tokens = service
            registry = try await LocalRegistry.start(
                auth: .token(realm: service.realm, service: service.service, issuer: service.issuer, certificatePEM: service.certificatePEM),
                pushAuthorization: { scope in "Bearer " + (try service.token(scopes: [scope], subject: "ci")) })
            (config.username, config.password) = (.environment("U"), .environment("P"))
            environment = ["U": "ci", "P": "bench-pw"]
        default:
            registry = try await LocalRegistry.start()
        }
        config.host = registry.host
        var requests: [ImageTags.Request] = []
        for index in 0..<images {
            try await registry.push("acme/app\(index)", tag: "pr-1-\(sha)")
            requests.append(.init(name: "\(registry.host)/acme/app\(index)", tag: "pr-1-\(sha)"))
        }
        var cold: [Double] = []
        var cached: [Double] = []
        var sent = 0
        for request in requests {
            let client = RegistryClient(registries: [config], environment: environment)  // a new client: nothing cached, no token
            let clock = ContinuousClock()
            let first = try await clock.measure { _ = try await client.digest(of: request, immutable: true) }
            sent += await client.requestCount
            let again = try await clock.measure { _ = try await client.digest(of: request, immutable: true) }
            cold.append(seconds(first))
            cached.append(seconds(again))
        }
        print(
            String(
                format: "| %@ | %.2f ms | %.2f µs | %.1f |", auth, percentile(cold, 0.5) * 1000, percentile(cached, 0.5) * 1e6,
                Double(sent) / Double(images)))
        registry.stop()
        await tokens?.stop()
    }
}
