import Foundation
import Yams

/// How to reach and authenticate to an API server, resolved from a kubeconfig or the in-cluster
/// service account, the way kubectl does.
public struct KubeConfig: Sendable, Equatable {
    /// How requests authenticate.
    public enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        /// Re-read on every request, as projected service-account tokens rotate.
        case tokenFile(String)
        /// A client certificate and key, both PEM.
        case clientCertificate(certificatePEM: Data, keyPEM: Data)
        /// An exec credential plugin (`client.authentication.k8s.io`).
        case exec(ExecPlugin)
    }

    public struct ExecPlugin: Sendable, Equatable {
        public var command: String
        public var arguments: [String]
        public var environment: [String: String]
        public var apiVersion: String
    }

    /// `https://HOST:PORT` (or `http://` for a local test server).
    public var server: String
    /// PEM certificates to trust; `nil` uses the system roots.
    public var certificateAuthorityPEM: Data?
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials
    /// The context's default namespace.
    public var namespace: String?
    /// Where this came from, for messages (`~/.kube/config (context kind-dev)`, `in-cluster`).
    public var source: String

    public init(
        server: String, certificateAuthorityPEM: Data? = nil, insecureSkipTLSVerify: Bool = false, credentials: Credentials = .none,
        namespace: String? = nil, source: String = "explicit"
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }

    /// The default service-account mount of a Pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Resolves the configuration as kubectl does: `explicitPath` (`--kubeconfig`), else the first
    /// file of `$KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account.
    public static func load(
        explicitPath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubeConfig.serviceAccountDirectory
    ) throws(KubeConfigError) -> KubeConfig {
        let fm = FileManager.default
        if let explicitPath { return try file(explicitPath) }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            for path in list.split(separator: ":").map(String.init) where fm.fileExists(atPath: path) { return try file(path) }
            throw KubeConfigError(source: "KUBECONFIG", message: "none of the files in KUBECONFIG exist (\(list))")
        }
        if let home = environment["HOME"], fm.fileExists(atPath: home + "/.kube/config") { return try file(home + "/.kube/config") }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment, directory: serviceAccountDirectory)
        }
        throw KubeConfigError(
            source: "kubeconfig", message: "no cluster configured: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a Pod")
    }

    /// The in-cluster configuration: `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's CA,
    /// token file (re-read per request) and namespace.
    public static func inCluster(environment: [String: String], directory: String = serviceAccountDirectory) throws(KubeConfigError) -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw KubeConfigError(source: "in-cluster", message: "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let fm = FileManager.default
        guard fm.fileExists(atPath: directory + "/token") else {
            throw KubeConfigError(source: "in-cluster", message: "no service-account token at \(directory)/token")
        }
        let ca = fm.contents(atPath: directory + "/ca.crt")
        let namespace = fm.contents(atPath: directory + "/namespace").map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeConfig(
            server: "https://\(hostPart):\(port)", certificateAuthorityPEM: ca, credentials: .tokenFile(directory + "/token"), namespace: namespace,
            source: "in-cluster service account")
    }

    /// Reads and resolves the kubeconfig file at `path` (relative paths inside it are relative to it).
    public static func file(_ path: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError(source: path, message: "cannot read the file")
        }
        return try parse(
            String(decoding: data, as: UTF8.self), source: path, baseDirectory: (path as NSString).deletingLastPathComponent, context: context)
    }

    /// Resolves kubeconfig YAML: the named or current context, its cluster and its user.
    public static func parse(_ yaml: String, source: String, baseDirectory: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        let root: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: yaml) as? [String: Any] else {
                throw KubeConfigError(source: source, message: "expected a kubeconfig mapping")
            }
            root = loaded
        } catch let error as KubeConfigError {
            throw error
        } catch {
            throw KubeConfigError(source: source, message: "not valid YAML: \(error)")
        }
        func named(_ list: String, _ name: String, _ field: String) throws(KubeConfigError) -> [String: Any] {
            let entries = root[list] as? [[String: Any]] ?? []
            guard let entry = entries.first(where: { $0["name"] as? String == name }) else {
                throw KubeConfigError(source: source, message: "\(list): no entry named '\(name)'")
            }
            guard let body = entry[field] as? [String: Any] else {
                throw KubeConfigError(source: source, message: "\(list)[\(name)].\(field): missing")
            }
            return body
        }
        guard let contextName = context ?? (root["current-context"] as? String), !contextName.isEmpty else {
            throw KubeConfigError(source: source, message: "current-context: not set")
        }
        let contextBody = try named("contexts", contextName, "context")
        guard let clusterName = contextBody["cluster"] as? String else {
            throw KubeConfigError(source: source, message: "contexts[\(contextName)].context.cluster: missing")
        }
        let cluster = try named("clusters", clusterName, "cluster")
        guard let server = cluster["server"] as? String, let url = URL(string: server), ["http", "https"].contains(url.scheme ?? "") else {
            throw KubeConfigError(source: source, message: "clusters[\(clusterName)].cluster.server: expected an https URL")
        }
        func path(_ value: String) -> String { value.hasPrefix("/") ? value : baseDirectory + "/" + value }
        func read(_ field: String, in body: [String: Any], at location: String) throws(KubeConfigError) -> Data? {
            if let encoded = body["\(field)-data"] as? String {
                guard let data = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else {
                    throw KubeConfigError(source: source, message: "\(location).\(field)-data: not base64")
                }
                return data
            }
            if let file = body[field] as? String {
                guard let data = FileManager.default.contents(atPath: path(file)) else {
                    throw KubeConfigError(source: source, message: "\(location).\(field): cannot read \(path(file))")
                }
                return data
            }
            return nil
        }
        let ca = try read("certificate-authority", in: cluster, at: "clusters[\(clusterName)].cluster")
        let insecure = cluster["insecure-skip-tls-verify"] as? Bool ?? false

        var credentials = Credentials.none
        if let userName = contextBody["user"] as? String, !userName.isEmpty {
            let user = try named("users", userName, "user")
            let location = "users[\(userName)].user"
            if let token = user["token"] as? String {
                credentials = .token(token)
            } else if let tokenFile = user["tokenFile"] as? String {
                credentials = .tokenFile(path(tokenFile))
            } else if let certificate = try read("client-certificate", in: user, at: location) {
                guard let key = try read("client-key", in: user, at: location) else {
                    throw KubeConfigError(source: source, message: "\(location): client-certificate without client-key")
                }
                credentials = .clientCertificate(certificatePEM: certificate, keyPEM: key)
            } else if let exec = user["exec"] as? [String: Any] {
                guard let command = exec["command"] as? String else {
                    throw KubeConfigError(source: source, message: "\(location).exec.command: missing")
                }
                var environment: [String: String] = [:]
                for entry in exec["env"] as? [[String: Any]] ?? [] {
                    if let name = entry["name"] as? String, let value = entry["value"] as? String { environment[name] = value }
                }
                credentials = .exec(
                    ExecPlugin(
                        command: command, arguments: exec["args"] as? [String] ?? [], environment: environment,
                        apiVersion: exec["apiVersion"] as? String ?? "client.authentication.k8s.io/v1"))
            } else if user["username"] != nil || user["auth-provider"] != nil {
                throw KubeConfigError(
                    source: source, message: "\(location): basic auth and auth-provider are not supported; use a token, a client certificate or exec")
            }
        }
        return KubeConfig(
            server: server, certificateAuthorityPEM: ca, insecureSkipTLSVerify: insecure, credentials: credentials,
            namespace: contextBody["namespace"] as? String, source: "\(source) (context \(contextName))")
    }
}

/// A kubeconfig that cannot be used: names the file (or source) and the field.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var source: String
    public var message: String
    public var description: String { "\(source): \(message)" }
}
