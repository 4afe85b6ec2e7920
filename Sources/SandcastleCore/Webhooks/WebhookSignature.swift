import Crypto
import Foundation

/// Verifies GitHub's `X-Hub-Signature-256` header over the raw request body.
public struct WebhookSignature: Sendable {
    private let key: SymmetricKey

    /// `secret` is the webhook secret shared with GitHub; it is kept only as a key.
    public init(secret: some DataProtocol) {
        key = SymmetricKey(data: Array(secret))
    }

    /// True only when `header` is `sha256=` and 64 hex digits equal to HMAC-SHA256(secret, body).
    ///
    /// The comparison is constant time (swift-crypto's `isValidAuthenticationCode`); a malformed
    /// header is rejected before any comparison.
    public func isValid(header: String?, body: some DataProtocol) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = WebhookSignature.hexBytes(header.dropFirst(7)), mac.count == 32 else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(body), using: key)
    }

    /// An HMAC computed while the body streams in: feed each chunk with ``Verifier/update(_:)``,
    /// then check the header with ``Verifier/isValid(header:)`` (constant time).
    public struct Verifier: Sendable {
        private var hmac: HMAC<SHA256>

        init(key: SymmetricKey) { hmac = HMAC<SHA256>(key: key) }

        public mutating func update(_ chunk: some DataProtocol) { hmac.update(data: Array(chunk)) }

        /// Whether `header` is `sha256=` and the 64 hex digits of the MAC of everything fed.
        public func isValid(header: String?) -> Bool {
            guard let header, header.hasPrefix("sha256="), let expected = WebhookSignature.hexBytes(header.dropFirst(7)), expected.count == 32
            else { return false }
            let actual = Array(hmac.finalize())
            // Constant time: every byte is compared whatever the first difference.
            var difference: UInt8 = 0
            for (a, b) in zip(actual, expected) { difference |= a ^ b }
            return difference == 0
        }
    }

    /// A verifier for one body.
    public func verifier() -> Verifier { Verifier(key: key) }

    /// The header value GitHub would send for `body`.
    public func sign(_ body: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body), using: key)
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
