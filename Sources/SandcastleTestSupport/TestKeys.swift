import CryptoExtras

/// Keys made at test time, so that no private key is committed.
public enum TestKeys {
    /// A fresh 2048-bit RSA key pair in PEM form, as a GitHub App's private key and its public half.
    public static func rsa() throws -> (privatePEM: String, publicPEM: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }
}
