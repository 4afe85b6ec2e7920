import Foundation
import SandcastleCore
import SandcastleRegistry
import SandcastleTestSupport
import Testing

/// The registry client against a real OCI Distribution registry (Debian's `docker-registry`)
/// on loopback, with htpasswd Basic authentication.
@Suite("Registry client (htpasswd)", .serialized)
struct RegistryClientTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    static func client(_ registry: LocalRegistry, password: String = "s3cret-pw") -> RegistryClient {
        RegistryClient(
            registries: [
                RegistryConfig(host: registry.host, username: .environment("REG_USER"), password: .environment("REG_PASSWORD"), insecure: true)
            ], environment: ["REG_USER": "ci", "REG_PASSWORD": password])
    }

    @Test func aTagTemplateResolvesToTheIndexDigestOfAMultiArchitectureImage() async throws {
        let registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "s3cret-pw"))
        defer { registry.stop() }
        let name = "\(registry.host)/acme/shop"
        let tag = "pr-42-\(Self.sha)"
        let index = try await registry.pushIndex("acme/shop", tag: tag)
        var settings = PreviewSettings.builtin
        settings.images = [ImagePin(name: name, digest: nil, tag: try Template(parsing: "pr-{{ number }}-{{ sha }}"))]
        let requests = try ImageTags.requests(key: Make.key(42), sha: Self.sha, settings: settings)
        #expect(requests == [ImageTags.Request(name: name, tag: tag)])
        let client = Self.client(registry)
        #expect(try await client.digest(of: requests[0], immutable: true) == index)
        // A single-architecture Docker v2 manifest resolves to its own digest.
        let single = try await registry.push("acme/worker", tag: "main", oci: false)
        #expect(try await client.digest(of: .init(name: "\(registry.host)/acme/worker", tag: "main"), immutable: false) == single.digest)
    }

    @Test func anImmutableTagIsResolvedOnceAMutableOneAfterItsTTL() async throws {
        let registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "s3cret-pw"))
        defer { registry.stop() }
        let pushed = try await registry.push("acme/shop", tag: "pr-42-\(Self.sha)")
        let client = Self.client(registry)
        let request = ImageTags.Request(name: "\(registry.host)/acme/shop", tag: "pr-42-\(Self.sha)")
        #expect(request.isImmutable(sha: Self.sha))
        #expect(try await client.digest(of: request, immutable: true) == pushed.digest)
        let sent = await client.requestCount
        #expect(try await client.digest(of: request, immutable: true) == pushed.digest)
        #expect(await client.requestCount == sent, "the second resolution sends no request")

        // A tag that may move is asked again once its cached answer is older than the TTL.
        try await registry.push("acme/shop", tag: "main")
        await client.setMutableTTL(0)
        let first = try await client.digest(of: .init(name: "\(registry.host)/acme/shop", tag: "main"), immutable: false)
        let moved = try await registry.push("acme/shop", tag: "main")
        let second = try await client.digest(of: .init(name: "\(registry.host)/acme/shop", tag: "main"), immutable: false)
        #expect(first != second && second == moved.digest)
    }

    @Test func aTagNotPushedYetIsNotFoundAndWaits() async throws {
        let registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "s3cret-pw"))
        defer { registry.stop() }
        let request = ImageTags.Request(name: "\(registry.host)/acme/shop", tag: "pr-42-\(Self.sha)")
        await #expect(throws: ImageResolutionError.notFound(request.description)) {
            try await Self.client(registry).digest(of: request, immutable: true)
        }
        #expect(ImageResolutionError.notFound("x").disposition == .waiting)
    }

    @Test func aWrongPasswordIsAClearErrorThatNeverShowsThePassword() async throws {
        let registry = try await LocalRegistry.start(auth: .htpasswd(user: "ci", password: "s3cret-pw"))
        defer { registry.stop() }
        try await registry.push("acme/shop", tag: "main")
        let request = ImageTags.Request(name: "\(registry.host)/acme/shop", tag: "main")
        do {
            _ = try await Self.client(registry, password: "wrong-password-123").digest(of: request, immutable: false)
            Issue.record("expected a refusal")
        } catch let error as ImageResolutionError {
            let text = "\(error)"
            #expect(text.contains("registry \(registry.host) refused to resolve \(request) (HTTP 401)"), "\(text)")
            #expect(text.contains("environment variable REG_USER") && text.contains("environment variable REG_PASSWORD"), "names the credentials")
            #expect(!text.contains("wrong-password-123") && !text.contains("s3cret-pw"), "never the password")
            #expect(error.disposition == .stalled)
        }
        // Without credentials at all, the same registry says so.
        let anonymous = RegistryClient(registries: [RegistryConfig(host: registry.host, insecure: true)])
        await #expect(throws: ImageResolutionError.self) { try await anonymous.digest(of: request, immutable: false) }
    }

    @Test func anUnreachableRegistryIsTransient() async throws {
        let client = RegistryClient(registries: [RegistryConfig(host: "127.0.0.1:1", insecure: true)], timeout: .seconds(2))
        do {
            _ = try await client.digest(of: .init(name: "127.0.0.1:1/acme/shop", tag: "main"), immutable: false)
            Issue.record("expected an error")
        } catch let error as ImageResolutionError {
            guard case .unreachable(let host, _) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(host == "127.0.0.1:1")
            #expect(error.disposition == .transient)
        }
    }

    @Test func challengeParametersAreRead() {
        #expect(
            RegistryClient.parametersForTests(
                #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/shop:pull""#)
                == ["realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:acme/shop:pull"])
    }
}

/// The registry client against the same registry with Bearer token authentication: the
/// registry trusts a token service the test runs (`auth.token`, its certificate as
/// `rootcertbundle`), and the client follows the `WWW-Authenticate: Bearer realm=…,service=…,scope=…` flow.
@Suite("Registry client (token)", .serialized)
struct RegistryTokenAuthTests {
    static func start(user: String?, password: String?) async throws -> (LocalRegistry, RegistryTokenService) {
        let tokens = try await RegistryTokenService.start(user: user, password: password)
        let registry = try await LocalRegistry.start(
            auth: .token(realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certificatePEM: tokens.certificatePEM),
            pushAuthorization: { scope in "Bearer " + (try tokens.token(scopes: [scope], subject: "ci")) })
        return (registry, tokens)
    }

    @Test func theBearerFlowWithCredentialsResolvesAnIndexAndReusesItsToken() async throws {
        let (registry, tokens) = try await Self.start(user: "ci", password: "token-pw")
        defer {
            registry.stop()
            Task { await tokens.stop() }
        }
        let sha = RegistryClientTests.sha
        let index = try await registry.pushIndex("acme/shop", tag: "pr-7-\(sha)")
        let client = RegistryClient(
            registries: [RegistryConfig(host: registry.host, username: .environment("U"), password: .environment("P"), insecure: true)],
            environment: ["U": "ci", "P": "token-pw"])
        #expect(try await client.digest(of: .init(name: "\(registry.host)/acme/shop", tag: "pr-7-\(sha)"), immutable: true) == index)
        #expect(tokens.issued.withLock { $0 } == 1)
        let single = try await registry.push("acme/shop", tag: "main")
        #expect(try await client.digest(of: .init(name: "\(registry.host)/acme/shop", tag: "main"), immutable: false) == single.digest)
        #expect(tokens.issued.withLock { $0 } == 1, "the token for the repository is reused until it expires")
    }

    @Test func anonymousTokensWorkAndAWrongPasswordIsRefusedWithoutShowingIt() async throws {
        let (registry, tokens) = try await Self.start(user: "ci", password: "token-pw")
        defer {
            registry.stop()
            Task { await tokens.stop() }
        }
        try await registry.push("acme/shop", tag: "main")
        let client = RegistryClient(
            registries: [RegistryConfig(host: registry.host, username: .environment("U"), password: .environment("P"), insecure: true)],
            environment: ["U": "ci", "P": "not-the-token-pw"])
        do {
            _ = try await client.digest(of: .init(name: "\(registry.host)/acme/shop", tag: "main"), immutable: false)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".contains("refused to resolve \(registry.host)/acme/shop:main (HTTP 401)"), "\(error)")
            #expect(!"\(error)".contains("not-the-token-pw"))
        }
        // A token service open to anyone: no credentials needed.
        let (open, openTokens) = try await Self.start(user: nil, password: nil)
        defer {
            open.stop()
            Task { await openTokens.stop() }
        }
        let pushed = try await open.push("acme/public", tag: "v1")
        let anonymous = RegistryClient(registries: [RegistryConfig(host: open.host, insecure: true)])
        #expect(try await anonymous.digest(of: .init(name: "\(open.host)/acme/public", tag: "v1"), immutable: false) == pushed.digest)
    }
}
