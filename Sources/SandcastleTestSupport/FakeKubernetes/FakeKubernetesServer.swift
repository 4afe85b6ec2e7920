import Foundation
import NIOSSL
import SandcastleCore

/// The fake Kubernetes API server over real HTTP on loopback.
public final class FakeKubernetesServer: Sendable {
    public let kubernetes: FakeKubernetes
    private let server: LoopbackHTTPServer

    /// `http://127.0.0.1:<port>`, the `server` of a kubeconfig.
    public var url: String { server.baseURL }

    private init(kubernetes: FakeKubernetes, server: LoopbackHTTPServer) {
        self.kubernetes = kubernetes
        self.server = server
    }

    /// Starts the fake; with `certificates` it serves HTTPS and requires a client certificate signed
    /// by their CA, as an API server configured for client-certificate authentication does.
    public static func start(_ kubernetes: FakeKubernetes = FakeKubernetes(), certificates: TestCertificates? = nil) async throws
        -> FakeKubernetesServer
    {
        var tls: TLSConfiguration?
        if let certificates {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificates.serverCertificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificates.caPEM.utf8)))
            configuration.certificateVerification = .noHostnameVerification
            tls = configuration
        }
        let server = try await LoopbackHTTPServer.startFake(tls: tls) { await kubernetes.handle($0) }
        return FakeKubernetesServer(kubernetes: kubernetes, server: server)
    }

    /// A kubeconfig whose current context reaches this server with `token`.
    public func kubeconfig(token: String = "fake-token", namespace: String = "default") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: fake
            cluster:
              server: \(url)
        users:
          - name: fake-user
            user:
              token: \(token)
        contexts:
          - name: fake
            context:
              cluster: fake
              user: fake-user
              namespace: \(namespace)
        current-context: fake

        """
    }

    public func stop() async { await server.stop() }
}
