import Foundation

/// Decoding GitHub's answers: a status check, then JSON, with errors that name the request.
enum GitHubJSON {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Throws ``GitHubError/status`` unless the response has one of `expecting`.
    static func check(_ response: GitHubResponse, request: GitHubRequest, expecting: Set<Int> = [200]) throws {
        guard expecting.contains(response.status) else {
            throw GitHubError.status(request: request.label, code: response.status, message: errorMessage(response))
        }
    }

    /// Checks the status, then decodes the body as `T`. An HTML or truncated body is an error.
    static func decode<T: Decodable>(_ type: T.Type, _ response: GitHubResponse, request: GitHubRequest, expecting: Int = 200) throws -> T {
        try check(response, request: request, expecting: [expecting])
        let contentType = response.headers["content-type"] ?? ""
        guard contentType.lowercased().contains("json") else {
            throw GitHubError.malformedResponse(request: request.label, reason: "content type '\(contentType)' is not JSON")
        }
        do {
            return try decoder.decode(T.self, from: response.body)
        } catch DecodingError.dataCorrupted {
            throw GitHubError.malformedResponse(request: request.label, reason: "the body is not valid JSON (\(response.body.count) bytes)")
        } catch {
            throw GitHubError.malformedResponse(request: request.label, reason: "the JSON does not have the expected shape: \(error)")
        }
    }

    /// The `message` of GitHub's error body, or a short note about the body.
    static func errorMessage(_ response: GitHubResponse) -> String {
        struct ErrorBody: Decodable {
            var message: String
            var errors: [Detail]?
            struct Detail: Decodable {
                var message: String?
                var code: String?
                var field: String?
            }
        }
        guard let body = try? decoder.decode(ErrorBody.self, from: response.body) else {
            return response.body.isEmpty ? "empty body" : "non-JSON body"
        }
        let details = (body.errors ?? []).compactMap { $0.message ?? [$0.field, $0.code].compactMap { $0 }.joined(separator: " ") }
        return details.isEmpty ? body.message : "\(body.message): \(details.joined(separator: "; "))"
    }
}
