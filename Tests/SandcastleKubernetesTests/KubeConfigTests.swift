import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

@testable import SandcastleKubernetes

@Suite("kubeconfig")
struct KubeConfigTests {
    static func kubeconfig(cluster: String, user: String, context: String = "dev") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(context)
        clusters:
          - name: c
            cluster:
        \(cluster.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        users:
          - name: u
            user:
        \(user.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        contexts:
          - name: dev
            context: { cluster: c, user: u, namespace: team }
        """
    }

    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    @Test func tokenAndCertificateAuthorityData() throws {
        let yaml = Self.kubeconfig(
            cluster: "server: https://10.0.0.1:6443\ncertificate-authority-data: \(Data(Self.pem.utf8).base64EncodedString())", user: "token: abc")
        let config = try KubeConfig.parse(yaml, source: "cfg", baseDirectory: "/tmp")
        #expect(config.server == "https://10.0.0.1:6443")
        #expect(config.certificateAuthorityPEM == Data(Self.pem.utf8))
        #expect(config.credentials == .token("abc"))
        #expect(config.namespace == "team")
        #expect(!config.insecureSkipTLSVerify)
    }

    @Test func filesAreRelativeToTheKubeconfig() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["certs/ca.crt": Self.pem, "certs/client.crt": Self.pem, "certs/client.key": "KEY", "token": "t"])
        let yaml = Self.kubeconfig(
            cluster: "server: https://k:6443\ncertificate-authority: certs/ca.crt",
            user: "client-certificate: certs/client.crt\nclient-key: \(dir.path)/certs/client.key")
        try dir.write(["config": yaml])
        let config = try KubeConfig.file(dir.path + "/config")
        #expect(config.certificateAuthorityPEM == Data(Self.pem.utf8))
        #expect(config.credentials == .clientCertificate(certificatePEM: Data(Self.pem.utf8), keyPEM: Data("KEY".utf8)))
        #expect(config.source.contains("context dev"))

        try dir.write(["config": Self.kubeconfig(cluster: "server: https://k\ninsecure-skip-tls-verify: true", user: "tokenFile: token")])
        let second = try KubeConfig.file(dir.path + "/config")
        #expect(second.insecureSkipTLSVerify)
        #expect(second.credentials == .tokenFile(dir.path + "/token"))
    }

    @Test func clientCertificateAndExecPlugin() throws {
        let data = Data("CERT".utf8).base64EncodedString()
        let key = Data("KEY".utf8).base64EncodedString()
        let config = try KubeConfig.parse(
            Self.kubeconfig(cluster: "server: https://k", user: "client-certificate-data: \(data)\nclient-key-data: \(key)"), source: "c",
            baseDirectory: "/")
        #expect(config.credentials == .clientCertificate(certificatePEM: Data("CERT".utf8), keyPEM: Data("KEY".utf8)))
        let exec = try KubeConfig.parse(
            Self.kubeconfig(
                cluster: "server: https://k",
                user:
                    "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: get-token\n  args: [--cluster, dev]\n  env: [{name: REGION, value: eu}]"
            ),
            source: "c", baseDirectory: "/")
        #expect(
            exec.credentials
                == .exec(
                    .init(
                        command: "get-token", arguments: ["--cluster", "dev"], environment: ["REGION": "eu"],
                        apiVersion: "client.authentication.k8s.io/v1")))
    }

    @Test func execPluginTokenIsUsed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "plugin.sh":
                "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"'\"$TOKEN_VALUE\"'\"}}'\n"
        ])
        chmod(dir.path + "/plugin.sh", 0o755)
        let server = try await FakeKubernetesServer.start()
        await server.kubernetes.requireBearerToken(["from-plugin"])
        let config = KubeConfig(
            server: server.url,
            credentials: .exec(
                .init(
                    command: dir.path + "/plugin.sh", arguments: [], environment: ["TOKEN_VALUE": "from-plugin"],
                    apiVersion: "client.authentication.k8s.io/v1")))
        let client = try KubernetesClient(config: config, options: .fast)
        let version = try await client.serverVersion()
        try await client.shutdown()
        await server.stop()
        #expect(version.hasPrefix("v1.32"))
    }

    @Test(arguments: [
        ("current-context: nope", "contexts: no entry named 'nope'"),
        ("users: []", "users: no entry named 'u'"),
    ])
    func brokenKubeconfigsNameTheField(replacement: String, message: String) throws {
        var yaml = Self.kubeconfig(cluster: "server: https://k", user: "token: x")
        if replacement.hasPrefix("current-context") {
            yaml = yaml.replacingOccurrences(of: "current-context: dev", with: replacement)
        } else {
            yaml = yaml.replacingOccurrences(of: "users:\n  - name: u\n    user:\n      token: x", with: replacement)
        }
        #expect(throws: KubeConfigError(source: "cfg", message: message)) { try KubeConfig.parse(yaml, source: "cfg", baseDirectory: "/") }
    }

    @Test func badValuesAreNamed() {
        let badBase64 = Self.kubeconfig(cluster: "server: https://k\ncertificate-authority-data: '%%%'", user: "token: x")
        #expect(throws: KubeConfigError(source: "cfg", message: "clusters[c].cluster.certificate-authority-data: not base64")) {
            try KubeConfig.parse(badBase64, source: "cfg", baseDirectory: "/")
        }
        let badServer = Self.kubeconfig(cluster: "server: ftp://k", user: "token: x")
        #expect(throws: KubeConfigError(source: "cfg", message: "clusters[c].cluster.server: expected an https URL")) {
            try KubeConfig.parse(badServer, source: "cfg", baseDirectory: "/")
        }
    }

    @Test func precedenceIsExplicitThenKUBECONFIGThenHomeThenInCluster() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "explicit": Self.kubeconfig(cluster: "server: https://explicit", user: "token: a"),
            "env": Self.kubeconfig(cluster: "server: https://env", user: "token: b"),
            "home/.kube/config": Self.kubeconfig(cluster: "server: https://home", user: "token: c"),
            "sa/token": "sa-token\n", "sa/ca.crt": Self.pem, "sa/namespace": "sandcastle-system\n",
        ])
        let environment = ["KUBECONFIG": "/nonexistent:\(dir.path)/env", "HOME": dir.path + "/home"]
        #expect(try KubeConfig.load(explicitPath: dir.path + "/explicit", environment: environment).server == "https://explicit")
        #expect(try KubeConfig.load(environment: environment).server == "https://env")
        #expect(try KubeConfig.load(environment: ["HOME": dir.path + "/home"]).server == "https://home")
        let inCluster = try KubeConfig.load(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: dir.path + "/sa")
        #expect(inCluster.server == "https://10.96.0.1:443")
        #expect(inCluster.credentials == .tokenFile(dir.path + "/sa/token"))
        #expect(inCluster.namespace == "sandcastle-system")
        #expect(inCluster.certificateAuthorityPEM == Data(Self.pem.utf8))
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(environment: [:]) }
    }

    @Test func aTokenFileIsSentAndReRead() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["token": "first\n"])
        let server = try await FakeKubernetesServer.start()
        await server.kubernetes.requireBearerToken(["first"])
        let client = try KubernetesClient(config: KubeConfig(server: server.url, credentials: .tokenFile(dir.path + "/token")), options: .fast)
        let version = try await client.serverVersion()
        #expect(!version.isEmpty)
        await server.kubernetes.requireBearerToken(["other"])
        do {
            _ = try await client.serverVersion()
            Issue.record("expected 401")
        } catch let error as KubernetesError {
            #expect(error.reason == .unauthorized)
        }
        try await client.shutdown()
        await server.stop()
    }
}
