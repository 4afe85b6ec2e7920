import Crypto
import Foundation
import Hummingbird
import SandcastleCore
import SwiftASN1
import X509

/// A token service for a test registry (the `auth.token` flow of the distribution registry):
/// answers `GET /token?service=…&scope=…` with a JWT signed by a throwaway ES256 key whose
/// self-signed certificate the registry trusts (`rootcertbundle`), carried in the token's `x5c`
/// header. Basic credentials are required when ``user`` is set; the scopes asked for are granted.
public final class RegistryTokenService: Sendable {
    public let certificatePEM: String
    public let service = "sandcastle-test-registry"
    public let issuer = "sandcastle-test-token-service"
    public let user: String?
    public let password: String?
    private let key: P256.Signing.PrivateKey
    private let certificateDER: [UInt8]
    private let server: LoopbackHTTPServer
    /// Token requests answered (for tests: a cached token is not asked for again).
    public let issued = LockedValue(0)

    public var realm: String { server.baseURL + "/token" }

    public static func start(user: String? = nil, password: String? = nil) async throws -> RegistryTokenService {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("sandcastle test token service") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(3600), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            }, issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let holder = LockedValue<RegistryTokenService?>(nil)
        let router = Router()
        router.get("token") { request, _ -> Response in
            guard let service = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return service.answer(request)
        }
        let server = try await LoopbackHTTPServer.start(router: router)
        let service = RegistryTokenService(
            certificatePEM: try certificate.serializeAsPEM().pemString, user: user, password: password, key: key,
            certificateDER: serializer.serializedBytes, server: server)
        holder.withLock { $0 = service }
        return service
    }

    private init(
        certificatePEM: String, user: String?, password: String?, key: P256.Signing.PrivateKey, certificateDER: [UInt8], server: LoopbackHTTPServer
    ) {
        self.certificatePEM = certificatePEM
        self.user = user
        self.password = password
        self.key = key
        self.certificateDER = certificateDER
        self.server = server
    }

    public func stop() async { await server.stop() }

    func answer(_ request: Request) -> Response {
        if let user, let password {
            let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else {
                return Response(
                    status: .unauthorized, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"details":"incorrect username or password"}"#)))
            }
        }
        let scopes = request.uri.queryParameters.getAll("scope").map { String($0) }
        guard let token = try? token(scopes: scopes, subject: user ?? "anonymous") else { return Response(status: .internalServerError) }
        issued.withLock { $0 += 1 }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"token":"\#(token)","expires_in":300}"#)))
    }

    /// A signed JWT granting `scopes` (`repository:NAME:ACTIONS`).
    public func token(scopes: [String], subject: String) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let access: [[String: Any]] = scopes.compactMap { scope in
            let parts = scope.split(separator: ":")
            guard parts.count == 3 else { return nil }
            return ["type": String(parts[0]), "name": String(parts[1]), "actions": parts[2].split(separator: ",").map(String.init)]
        }
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "x5c": [Data(certificateDER).base64EncodedString()]]
        let claims: [String: Any] = [
            "iss": issuer, "sub": subject, "aud": service, "exp": now + 300, "nbf": now - 10, "iat": now, "jti": UUID().uuidString,
            "access": access,
        ]
        let signingInput =
            Self.base64URL(try JSONSerialization.data(withJSONObject: header)) + "."
            + Self.base64URL(try JSONSerialization.data(withJSONObject: claims))
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }
}
