import Foundation

/// The image pull Secret of a preview: one `kubernetes.io/dockerconfigjson` Secret with the
/// configured registries' credentials, referenced by the namespace's default ServiceAccount and
/// by hook Jobs. Made by the controller (its values never pass through `sandcastle render`).
public enum RegistryCredentials {
    public static let secretName = "sandcastle-registry"

    /// One registry's credentials, as resolved from their secret references.
    public struct Entry: Sendable, Hashable {
        public var host: String
        public var username: String
        public var password: String

        public init(host: String, username: String, password: String) {
            self.host = host
            self.username = username
            self.password = password
        }
    }

    /// `{"auths":{HOST:{"auth":base64(user:password)}}}`, keys sorted.
    public static func dockerConfigJSON(_ entries: [Entry]) -> String {
        var auths = ManifestObject()
        for entry in entries.sorted(by: { $0.host < $1.host }) {
            auths[entry.host] = ["auth": .string(Data("\(entry.username):\(entry.password)".utf8).base64EncodedString())]
        }
        return ManifestValue.object(["auths": .object(auths)]).canonicalJSON
    }

    /// The Secret for the preview of `context`.
    public static func secret(_ entries: [Entry], context: RenderContext) -> Manifest {
        let data = Data(dockerConfigJSON(entries).utf8).base64EncodedString()
        let object: ManifestObject = [
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": [
                "name": .string(secretName), "namespace": .string(context.names.namespace), "labels": .strings(Ownership.labels(for: context.key)),
            ],
            "data": [".dockerconfigjson": .string(data)],
        ]
        return Manifest(object: object, source: "sandcastle")
    }
}
