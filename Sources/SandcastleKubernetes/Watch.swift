import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import SandcastleCore

/// One event of a watch.
public struct WatchEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
    }

    public var kind: Kind
    public var object: ManifestObject

    /// The object's `metadata.resourceVersion`: where to resume the watch.
    public var resourceVersion: String? { object.value(at: "metadata.resourceVersion")?.string }

    /// Decodes one line of a watch stream. An `ERROR` event (e.g. `410 Gone` for a compacted
    /// resourceVersion: re-list, then watch again) throws its `Status`.
    public static func decode(line: Data, request: String) throws -> WatchEvent {
        guard let event = try? ManifestValue.parseJSON(line).object, let type = event["type"]?.string, let object = event["object"]?.object else {
            throw KubernetesError.malformedResponse(request: request, reason: "a watch line is not a watch event")
        }
        if type == "ERROR" {
            let code: Int = if case .int(let value) = object["code"] { value } else { 500 }
            throw KubernetesError.status(
                KubernetesStatus.failure(Data(ManifestValue.object(object).canonicalJSONBytes), code: code, request: request))
        }
        guard let kind = Kind(rawValue: type) else {
            throw KubernetesError.malformedResponse(request: request, reason: "unknown watch event type '\(type)'")
        }
        return WatchEvent(kind: kind, object: object)
    }
}

/// Splits a byte stream into lines.
struct LineSplitter {
    private var pending = Data()

    /// The complete lines in `chunk` (plus what was pending), keeping the rest.
    mutating func lines(_ chunk: Data) -> [Data] {
        pending.append(chunk)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = pending[pending.startIndex..<newline]
            if !line.isEmpty { lines.append(Data(line)) }
            pending = Data(pending[pending.index(after: newline)...])
        }
        return lines
    }
}

extension KubernetesClient {
    /// Watches objects of a type from `resourceVersion` (from now, with `ADDED` for what exists,
    /// when `nil`) until the server ends the watch after `timeoutSeconds`. The stream throws on an
    /// `ERROR` event or a broken connection; the caller lists again and resumes.
    public func watch(
        apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil, resourceVersion: String? = nil,
        timeoutSeconds: Int = 300
    ) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let info = try await resolve(apiVersion: apiVersion, kind: kind)
                    let path = Self.collectionPath(apiVersion: apiVersion, plural: info.plural, namespace: info.namespaced ? namespace : nil)
                    var query = ["watch": "true", "timeoutSeconds": String(timeoutSeconds), "allowWatchBookmarks": "true"]
                    if let labelSelector { query["labelSelector"] = labelSelector }
                    if let resourceVersion { query["resourceVersion"] = resourceVersion }
                    let label = "GET \(path)?watch=true"
                    let body = try await stream(path, query: query, timeout: TimeInterval(timeoutSeconds) + 30)
                    var splitter = LineSplitter()
                    for try await buffer in body {
                        for line in splitter.lines(Data(buffer: buffer)) {
                            continuation.yield(try WatchEvent.decode(line: line, request: label))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
