import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

/// The client over real TLS: a kubeconfig's CA and client certificate, as kind and kubeadm write
/// them, against the fake API server serving HTTPS and requiring client certificates.
@Suite("TLS and client certificates")
struct TLSTests {
    static func kubeconfig(server: String, certificates: TestCertificates, ca: Bool = true, client: Bool = true, insecure: Bool = false) -> String {
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        var cluster = "server: \(server)"
        if ca { cluster += "\n      certificate-authority-data: \(b64(certificates.caPEM))" }
        if insecure { cluster += "\n      insecure-skip-tls-verify: true" }
        let user =
            client
            ? "client-certificate-data: \(b64(certificates.clientCertificatePEM))\n      client-key-data: \(b64(certificates.clientKeyPEM))"
            : "token: t"
        return """
            apiVersion: v1
            kind: Config
            current-context: kind
            clusters:
              - name: kind
                cluster:
                  \(cluster)
            users:
              - name: admin
                user:
                  \(user)
            contexts:
              - name: kind
                context: {cluster: kind, user: admin}
            """
    }

    static func version(_ yaml: String) async throws -> String {
        var options = KubernetesClientOptions.fast
        options.maxAttempts = 1
        let client = try KubernetesClient(config: try KubeConfig.parse(yaml, source: "kind", baseDirectory: "/"), options: options)
        do {
            let version = try await client.serverVersion()
            try await client.shutdown()
            return version
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func caDataAndClientCertificateConnect() async throws {
        let certificates = try TestCertificates()
        let server = try await FakeKubernetesServer.start(certificates: certificates)
        #expect(server.url.hasPrefix("https://127.0.0.1:"))
        let version = try await Self.version(Self.kubeconfig(server: server.url, certificates: certificates))
        #expect(version.hasPrefix("v1.32"))
        // Without the CA the server is not trusted; without a client certificate it refuses.
        await #expect(throws: KubernetesError.self) {
            _ = try await Self.version(Self.kubeconfig(server: server.url, certificates: certificates, ca: false))
        }
        await #expect(throws: KubernetesError.self) {
            _ = try await Self.version(Self.kubeconfig(server: server.url, certificates: certificates, client: false))
        }
        // insecure-skip-tls-verify skips the server check only.
        let insecure = try await Self.version(Self.kubeconfig(server: server.url, certificates: certificates, ca: false, insecure: true))
        #expect(insecure.hasPrefix("v1.32"))
        await server.stop()
    }

    @Test func aSinkAppliesOverTLS() async throws {
        let certificates = try TestCertificates()
        let server = try await FakeKubernetesServer.start(certificates: certificates)
        let config = try KubeConfig.parse(Self.kubeconfig(server: server.url, certificates: certificates), source: "kind", baseDirectory: "/")
        let client = try KubernetesClient(config: config, options: .fast)
        let report = try await ClusterSink(client: client).applyPreview(try Make.preview(1))
        #expect(report.applied > 0)
        try await client.shutdown()
        await server.stop()
    }
}
