import Foundation
import SandcastleCore

/// One request and its answer, recorded from a real kube-apiserver 1.32
/// (`Fixtures/kubernetes/exchanges`, described in its README): what the fake API server and the
/// client are held to.
public struct RecordedExchange: Sendable {
    /// The file's name, e.g. `042-apply-conflict-other-manager.json`.
    public var file: String
    public var name: String
    public var purpose: String
    public var method: String
    public var path: String
    /// Unencoded values, keys as recorded.
    public var query: [String: String]
    public var requestHeaders: [String: String]
    /// `admin` (system:masters) or `sandcastle-serviceaccount` (bound by `deploy/rbac.yaml`).
    public var identity: String
    public var requestBody: String?
    public var status: Int
    /// Lowercased names.
    public var responseHeaders: [String: String]
    /// A JSON object, a watch's list of events, or text.
    public var responseBody: ManifestValue

    /// The recorded object (not a watch, not text).
    public var responseObject: ManifestObject? { responseBody.object }
    /// The recorded watch events, in order.
    public var watchEvents: [ManifestObject]? { responseBody.array?.compactMap(\.object) }
    public var isWatch: Bool { query["watch"] == "true" }
    public var mediaType: String { Self.mediaType(responseHeaders["content-type"]) }

    /// The media type of a `Content-Type`, lowercased, without parameters.
    public static func mediaType(_ contentType: String?) -> String {
        (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// Every exchange of the corpus, in recorded order.
    public static func corpus() throws -> [RecordedExchange] {
        let directory = repositoryRoot(from: #filePath) + "/Sources/SandcastleTestSupport/Fixtures/kubernetes/exchanges"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { file in
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { throw FakeKubernetesError("\(file): unreadable") }
            return try RecordedExchange(file: file, json: try ManifestValue.parseJSON(data))
        }
    }

    init(file: String, json: ManifestValue) throws {
        guard let root = json.object, let request = root["request"]?.object, let response = root["response"]?.object,
            let method = request["method"]?.string, let path = request["path"]?.string, case .int(let status)? = response["status"]
        else { throw FakeKubernetesError("\(file): not an exchange (request.method, request.path, response.status)") }
        self.file = file
        name = root["name"]?.string ?? file
        purpose = root["purpose"]?.string ?? ""
        self.method = method
        self.path = path
        query = Self.strings(request["query"])
        requestHeaders = Self.strings(request["headers"])
        identity = request["identity"]?.string ?? "admin"
        requestBody = request["body"]?.string
        self.status = status
        responseHeaders = Dictionary(Self.strings(response["headers"]).map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        responseBody = response["body"] ?? .null
    }

    private static func strings(_ value: ManifestValue?) -> [String: String] {
        var map: [String: String] = [:]
        for pair in value?.object?.pairs ?? [] { if let text = pair.value.string { map[pair.key] = text } }
        return map
    }
}
