import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import SandcastleCore

/// A real OCI Distribution registry (Debian's `docker-registry`, the CNCF distribution registry)
/// on loopback for tests: anonymous, htpasswd Basic auth, or Bearer tokens from a token service
/// the test runs. ``push(_:tag:)`` and ``pushIndex(_:tag:architectures:)`` upload images through
/// the registry API (blobs, manifests, an OCI image index).
public final class LocalRegistry: @unchecked Sendable {
    public enum Auth: Sendable {
        case none
        case htpasswd(user: String, password: String)
        /// Tokens from `realm`, signed by the key of `certificatePEM` (the registry's `rootcertbundle`).
        case token(realm: String, service: String, issuer: String, certificatePEM: String)
    }

    /// `127.0.0.1:PORT`.
    public let host: String
    private let process: Process
    private let directory: TemporaryDirectory
    /// How pushes authenticate (`Basic …`, or a closure asking the token service).
    private let authorization: @Sendable (String) async throws -> String?

    /// Starts a registry; throws naming the command to install it when it is missing.
    public static func start(auth: Auth = .none, pushAuthorization: (@Sendable (String) async throws -> String?)? = nil) async throws -> LocalRegistry
    {
        guard let binary = Subprocess.locate("docker-registry") ?? Subprocess.locate("registry") else {
            throw LocalRegistryError("docker-registry is not installed: run scripts/test.sh, or apt-get install docker-registry")
        }
        let directory = try TemporaryDirectory()
        let port = try freePort()
        var authBlock = ""
        var pushAuth: @Sendable (String) async throws -> String? = { _ in nil }
        switch auth {
        case .none: break
        case .htpasswd(let user, let password):
            let hash = try Subprocess.run(
                "/usr/bin/env",
                [
                    "python3", "-W", "ignore", "-c",
                    "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))", password,
                ])
            guard hash.status == 0, hash.stdout.hasPrefix("$2") else { throw LocalRegistryError("cannot make a bcrypt hash: \(hash.stderr)") }
            try directory.write(["htpasswd": "\(user):\(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\n"])
            authBlock = "auth:\n  htpasswd: {realm: sandcastle-test, path: \(directory.path)/htpasswd}\n"
            let basic = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            pushAuth = { _ in basic }
        case .token(let realm, let service, let issuer, let certificatePEM):
            try directory.write(["root.pem": certificatePEM])
            authBlock =
                "auth:\n  token: {realm: \"\(realm)\", service: \(service), issuer: \(issuer), rootcertbundle: \(directory.path)/root.pem}\n"
        }
        try directory.write([
            "config.yml": """
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage:
              filesystem: {rootdirectory: \(directory.path)/data}
              delete: {enabled: true}
            http:
              addr: 127.0.0.1:\(port)
            \(authBlock)
            """
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory.path + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let registry = LocalRegistry(
            host: "127.0.0.1:\(port)", process: process, directory: directory, authorization: pushAuthorization ?? pushAuth)
        // Ready once /v2/ answers (200 or 401).
        for _ in 0..<100 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://\(registry.host)/v2/"), timeout: .seconds(1)),
                [200, 401].contains(response.status.code)
            {
                return registry
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        registry.stop()
        throw LocalRegistryError("docker-registry did not answer on \(registry.host)")
    }

    private init(host: String, process: Process, directory: TemporaryDirectory, authorization: @escaping @Sendable (String) async throws -> String?) {
        self.host = host
        self.process = process
        self.directory = directory
        self.authorization = authorization
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory.remove()
    }

    /// Pushes a one-layer image as `name:tag` (a Docker v2 or OCI manifest); returns its digest.
    @discardableResult
    public func push(_ name: String, tag: String, architecture: String = "amd64", oci: Bool = true) async throws -> (digest: String, size: Int) {
        let config = Data(#"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let layer = Data("layer of \(name):\(tag) for \(architecture) \(UUID().uuidString)".utf8)
        let configDigest = try await pushBlob(name, config)
        let layerDigest = try await pushBlob(name, layer)
        let manifestType = oci ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json"
        let configType = oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json"
        let layerType = oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip"
        let manifest = Data(
            """
            {"schemaVersion":2,"mediaType":"\(manifestType)","config":{"mediaType":"\(configType)","digest":"\(configDigest)","size":\(config.count)},\
            "layers":[{"mediaType":"\(layerType)","digest":"\(layerDigest)","size":\(layer.count)}]}
            """.utf8)
        try await putManifest(name, reference: tag, manifest, mediaType: manifestType)
        return (Self.digest(manifest), manifest.count)
    }

    /// Pushes a multi-architecture image: one manifest per architecture and an OCI image index
    /// tagged `tag`; returns the index digest.
    @discardableResult
    public func pushIndex(_ name: String, tag: String, architectures: [String] = ["amd64", "arm64"]) async throws -> String {
        var entries: [String] = []
        for architecture in architectures {
            let pushed = try await push(name, tag: "\(tag)-\(architecture)", architecture: architecture)
            entries.append(
                #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(pushed.digest)","size":\#(pushed.size),"platform":{"architecture":"\#(architecture)","os":"linux"}}"#
            )
        }
        let index = Data(
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
        try await putManifest(name, reference: tag, index, mediaType: "application/vnd.oci.image.index.v1+json")
        return Self.digest(index)
    }

    static func digest(_ data: Data) -> String { "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    private func pushBlob(_ name: String, _ data: Data) async throws -> String {
        let digest = Self.digest(data)
        var start = HTTPClientRequest(url: "http://\(host)/v2/\(name)/blobs/uploads/")
        start.method = .POST
        try await authorize(&start, scope: "repository:\(name):pull,push")
        let started = try await HTTPClient.shared.execute(start, timeout: .seconds(10))
        _ = try await started.body.collect(upTo: 1 << 20)
        guard started.status.code == 202, let location = started.headers.first(name: "Location") else {
            throw LocalRegistryError("starting an upload to \(name) answered \(started.status.code)")
        }
        let base = location.hasPrefix("http") ? location : "http://\(host)\(location)"
        var put = HTTPClientRequest(url: base + (base.contains("?") ? "&" : "?") + "digest=\(digest)")
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: "application/octet-stream")
        put.body = .bytes(ByteBuffer(data: data))
        try await authorize(&put, scope: "repository:\(name):pull,push")
        let done = try await HTTPClient.shared.execute(put, timeout: .seconds(10))
        _ = try await done.body.collect(upTo: 1 << 20)
        guard done.status.code == 201 else { throw LocalRegistryError("uploading a blob to \(name) answered \(done.status.code)") }
        return digest
    }

    private func putManifest(_ name: String, reference: String, _ body: Data, mediaType: String) async throws {
        var request = HTTPClientRequest(url: "http://\(host)/v2/\(name)/manifests/\(reference)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: mediaType)
        request.body = .bytes(ByteBuffer(data: body))
        try await authorize(&request, scope: "repository:\(name):pull,push")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status.code == 201 else {
            throw LocalRegistryError("putting manifest \(name):\(reference) answered \(response.status.code): \(text)")
        }
    }

    private func authorize(_ request: inout HTTPClientRequest, scope: String) async throws {
        if let value = try await authorization(scope) { request.headers.add(name: "Authorization", value: value) }
    }

    /// A free TCP port on 127.0.0.1.
    static func freePort() throws -> Int {
        let result = try Subprocess.run(
            "/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LocalRegistryError("no free port: \(result.stderr)")
        }
        return port
    }
}

public struct LocalRegistryError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
