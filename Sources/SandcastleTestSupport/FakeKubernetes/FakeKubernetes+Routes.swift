import Foundation
import SandcastleCore

extension FakeKubernetes {
    func handle(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        let started = ContinuousClock.now
        defer { busy += ContinuousClock.now - started }
        var response = route(request)
        requests.append(
            RecordedRequest(
                method: request.method, path: request.path, query: request.rawQuery, contentType: request.headers["content-type"],
                status: response.status, body: request.body))
        response.headers.append(("audit-id", UUID().uuidString.lowercased()))
        return response
    }

    private func route(_ request: FakeHTTPRequest) -> FakeHTTPResponse {
        var delay = 0.0
        var drop = false
        if let index = faults.firstIndex(where: {
            $0.times > 0 && request.path.contains($0.pathContains) && ($0.method == nil || $0.method == request.method)
        }) {
            faults[index].times -= 1
            let fault = faults[index]
            if faults[index].times <= 0 { faults.remove(at: index) }
            switch fault.kind {
            case .status(let code, let reason, let retryAfter):
                var response = Self.reply(KubeStatus(code: code, reason: reason, message: "injected: \(reason)", retryAfter: retryAfter))
                if let retryAfter { response.headers.append(("retry-after", String(retryAfter))) }
                return response
            case .delay(let seconds): delay = seconds
            case .dropConnection: drop = true
            }
        }
        if let bearerTokens {
            let token = request.headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            guard let token, bearerTokens.contains(token) else {
                return Self.reply(KubeStatus(code: 401, reason: "Unauthorized", message: "Unauthorized"))
            }
        }
        // The stand-ins run in the background too; before a request they catch up at most every 5 ms,
        // so a burst of requests does not re-walk every namespace each time.
        if let last = lastControllersRun, Date().timeIntervalSince(last) < 0.005 {
        } else {
            runControllers()
            lastControllersRun = Date()
        }
        var response: FakeHTTPResponse
        do throws(KubeStatus) {
            if let denial = authorize(request) { throw denial }
            response = try dispatchWithDryRun(request)
            if request.method != "GET", request.body.first == UInt8(ascii: "{"), let duplicate = DuplicateKeys.first(in: request.body) {
                // Accepted (the last value wins), with the warning a real server sends.
                response.headers.append(("warning", "299 - \"line 1: key \\\"\(duplicate)\\\" already set in map\""))
            }
        } catch {
            response = Self.reply(error)
        }
        response.delay = delay
        response.dropConnection = drop
        return response
    }

    /// `dryRun=All` on a write: everything is checked (decoding, schema, conflicts, namespace)
    /// and the answer is the one a real write gets, but nothing is stored.
    private func dispatchWithDryRun(_ request: FakeHTTPRequest) throws(KubeStatus) -> FakeHTTPResponse {
        guard let dryRun = request.query["dryRun"], request.method != "GET" else { return try dispatch(request) }
        guard dryRun == "All" else {
            let options = ["POST": "CreateOptions", "PUT": "UpdateOptions", "PATCH": "PatchOptions", "DELETE": "DeleteOptions"][request.method] ?? "Options"
            let problem = "Unsupported value: []string{\(GoQuote.quote(dryRun))}: supported values: \"All\""
            throw KubeStatus(
                code: 422, reason: "Invalid", message: "\(options).meta.k8s.io \"\" is invalid: dryRun: \(problem)", group: "meta.k8s.io", kind: options,
                causes: [("FieldValueNotSupported", problem, "dryRun")])
        }
        let saved = (objects, events, applied, revision)
        defer { (objects, events, applied, revision) = saved }
        var response = try dispatch(request)
        // Nothing was written: a created object has no resourceVersion yet, an updated one keeps its own.
        if var object = try? ManifestValue.parseJSON(response.body).object, object["kind"]?.string != "Status" {
            let previous = saved.0.first { $0.value.value(at: "metadata.uid") == object.value(at: "metadata.uid") }?.value
            object.set(previous?.value(at: "metadata.resourceVersion") ?? .null, at: "metadata.resourceVersion")
            if previous == nil, var metadata = object["metadata"]?.object {
                metadata["resourceVersion"] = nil
                object["metadata"] = .object(metadata)
            }
            response.body = Data(ManifestValue.object(object).canonicalJSONBytes)
        }
        return response
    }

    private func dispatch(_ request: FakeHTTPRequest) throws(KubeStatus) -> FakeHTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        if request.method == "POST", parts == ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"] {
            return try selfSubjectAccessReview(request)
        }
        if request.method == "POST", parts == ["apis", "authorization.k8s.io", "v1", "selfsubjectrulesreviews"] {
            return try selfSubjectRulesReview(request)
        }
        switch parts {
        case ["version"]:
            return Self.json(200, ["major": "1", "minor": "32", "gitVersion": "v1.32.0-fake", "platform": "linux/amd64"])
        case ["openapi", "v3"]:
            // The index of OpenAPI v3 documents, one per group-version (served as text/plain, as the real server does).
            var paths = ManifestObject()
            for apiVersion in Set(types.map(\.apiVersion)).sorted() {
                let path = apiVersion.contains("/") ? "apis/\(apiVersion)" : "api/\(apiVersion)"
                paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)")]
            }
            return FakeHTTPResponse(
                status: 200, headers: [("content-type", "text/plain; charset=utf-8")],
                body: Data(ManifestValue.object(["paths": .object(paths)]).canonicalJSONBytes))
        case ["api"]:
            return Self.json(
                200,
                [
                    "kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"]],
                ])
        case ["apis"]:
            var groups: [String: [String]] = [:]
            for type in types where !type.group.isEmpty && !(groups[type.group]?.contains(type.version) ?? false) {
                groups[type.group, default: []].append(type.version)
            }
            let list: [ManifestValue] = groups.sorted { $0.key < $1.key }.map { group, versions in
                let entries: [ManifestValue] = versions.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }
                return ["name": .string(group), "versions": .array(entries), "preferredVersion": entries[0]]
            }
            return Self.json(200, ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(list)])
        default:
            break
        }
        let group: String
        let version: String
        let rest: [String]
        if parts.count >= 2, parts[0] == "api" {
            (group, version, rest) = ("", parts[1], Array(parts.dropFirst(2)))
        } else if parts.count >= 3, parts[0] == "apis" {
            (group, version, rest) = (parts[1], parts[2], Array(parts.dropFirst(3)))
        } else {
            throw KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let served = types.filter { $0.group == group && $0.version == version }
        // A group-version nobody serves (a CRD not installed) is not the API's: plain text, not a Status.
        guard !served.isEmpty else { return FakeHTTPResponse(status: 404, headers: [("content-type", "text/plain; charset=utf-8")], body: Data("404 page not found\n".utf8)) }
        if rest.isEmpty, request.method == "GET" { return Self.json(200, Self.discovery(served, groupVersion: served[0].apiVersion)) }

        // [plural] [plural,name] [plural,name,status] | namespaces/NS/[plural…]
        var namespace: String?
        var tail = rest
        if rest.count >= 3, rest[0] == "namespaces", rest[2] != "status", rest[2] != "finalize" {
            namespace = rest[1]
            tail = Array(rest.dropFirst(2))
        }
        guard let plural = tail.first, let type = served.first(where: { $0.plural == plural }) else {
            throw KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        if type.namespaced != (namespace != nil), tail.count > 1 || request.method != "GET" {
            throw KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let name = tail.count > 1 ? tail[1] : nil
        if type.kind == "Pod", tail.count == 3, tail[2] == "log", request.method == "GET", let name {
            // The container's output, from its kubelet; the fake's containers print nothing.
            _ = try get(type, namespace: namespace ?? "", name: name)
            return FakeHTTPResponse(status: 200, headers: [("content-type", "text/plain")], body: Data())
        }
        let statusOnly = tail.count > 2 && tail[2] == "status"
        if tail.count > 3 || (tail.count == 3 && !statusOnly) || (statusOnly && !type.hasStatus) {
            throw KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        let ns = namespace ?? ""

        switch (request.method, name) {
        case ("GET", nil) where request.query["watch"] == "true" || request.query["watch"] == "1":
            let selector = try request.query["labelSelector"].map { (text: String) throws(KubeStatus) -> LabelSelector in
                try LabelSelector(parsing: text)
            }
            return watch(
                type, namespace: namespace, selector: selector, from: request.query["resourceVersion"],
                timeout: request.query["timeoutSeconds"].flatMap(Double.init) ?? 60, bookmarks: request.query["allowWatchBookmarks"] == "true")
        case ("GET", nil):
            let selector = try request.query["labelSelector"].map { (text: String) throws(KubeStatus) -> LabelSelector in
                try LabelSelector(parsing: text)
            }
            var result = try list(
                type, namespace: namespace, selector: selector,
                // resourceVersion=0 is served from the watch cache, which ignores limit.
                limit: request.query["resourceVersion"] == "0" ? nil : request.query["limit"].flatMap(Int.init),
                continueToken: request.query["continue"], exactVersion: request.query["resourceVersionMatch"] == "Exact" ? request.query["resourceVersion"] : nil)
            if request.headers["accept"]?.contains("as=PartialObjectMetadataList") == true { result = Self.metadataOnly(result) }
            return Self.json(200, .object(result))
        case ("GET", let name?):
            return Self.json(200, .object(try get(type, namespace: ns, name: name)))
        case ("POST", nil):
            return Self.json(201, .object(try create(type, namespace: ns, body: try Self.body(request))))
        case ("PUT", let name?):
            return Self.json(200, .object(try update(type, namespace: ns, name: name, body: try Self.body(request), statusOnly: statusOnly)))
        case ("PATCH", let name?) where request.headers["content-type"]?.hasPrefix("application/merge-patch+json") == true:
            return Self.json(200, .object(try mergePatch(type, namespace: ns, name: name, patch: try Self.body(request), statusOnly: statusOnly)))
        case ("PATCH", let name?):
            guard request.headers["content-type"]?.hasPrefix("application/apply-patch+yaml") == true else {
                throw KubeStatus(
                    code: 415, reason: "UnsupportedMediaType",
                    message:
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                )
            }
            guard let manager = request.query["fieldManager"], !manager.isEmpty else {
                throw KubeStatus(
                    code: 422, reason: "Invalid",
                    message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                    group: "meta.k8s.io", kind: "PatchOptions",
                    causes: [("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")])
            }
            // An apply that creates the object is also a create, and authorized as one.
            if !statusOnly, objects[Key(group: type.group, plural: type.plural, namespace: ns, name: name)] == nil,
                let denial = authorize(request, verb: "create")
            {
                throw denial
            }
            let result = try apply(
                type, namespace: ns, name: name, body: try Self.body(request), manager: manager, force: request.query["force"] == "true",
                statusOnly: statusOnly)
            return Self.json(result.created ? 201 : 200, .object(result.object))
        case ("DELETE", let name?):
            var uid: String?
            var foreground = false
            if !request.body.isEmpty, let options = try? ManifestValue.parseJSON(request.body).object {
                uid = options.value(at: "preconditions.uid")?.string
                foreground = options["propagationPolicy"]?.string == "Foreground"
                if let policy = options["propagationPolicy"]?.string, !["Foreground", "Background", "Orphan"].contains(policy) {
                    let problem = "Unsupported value: \(GoQuote.quote(policy)): supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
                    throw KubeStatus(
                        code: 422, reason: "Invalid", message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: \(problem)",
                        group: "meta.k8s.io", kind: "DeleteOptions", causes: [("FieldValueNotSupported", problem, "propagationPolicy")])
                }
            }
            if let remaining = try delete(type, namespace: ns, name: name, preconditionUID: uid, foreground: foreground) {
                return Self.json(200, .object(remaining))
            }
            return Self.json(
                200,
                [
                    "kind": "Status", "apiVersion": "v1", "metadata": .object(ManifestObject()), "status": "Success",
                    "details": ["name": .string(name), "kind": .string(type.plural)],
                ])
        default:
            throw KubeStatus(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
    }

    /// A watch: for no (or `0`) resourceVersion, `ADDED` for every current object first; then each
    /// change after it, one JSON line per event, until `timeout`. A resourceVersion older than the
    /// change log answers an `ERROR` event with `410 Gone`, as a compacted real server does.
    func watch(
        _ type: ResourceType, namespace: String?, selector: LabelSelector?, from resourceVersion: String?, timeout: Double, bookmarks: Bool = false
    ) -> FakeHTTPResponse {
        @Sendable func matches(_ key: Key, _ object: ManifestObject) -> Bool {
            key.group == type.group && key.plural == type.plural && (namespace == nil || key.namespace == namespace)
                && (selector?.matches(object.stringMap(at: "metadata.labels")) ?? true)
        }
        @Sendable func line(_ type: String, _ object: ManifestValue) -> Data {
            Data((ManifestValue.object(["type": .string(type), "object": object]).canonicalJSON + "\n").utf8)
        }
        var initial: [Data] = []
        var start = revision
        if let resourceVersion, resourceVersion != "0", let from = Int(resourceVersion) {
            if let oldest = events.first?.revision, from < oldest - 1 {
                let gone = KubeStatus(code: 410, reason: "Expired", message: "too old resource version: \(from) (\(oldest))")
                initial.append(line("ERROR", .object(gone.json)))
                let chunks = initial
                return FakeHTTPResponse(
                    status: 200, headers: [("content-type", "application/json")],
                    stream: {
                        AsyncStream { c in
                            chunks.forEach { c.yield($0) }; c.finish()
                        }
                    })
            }
            start = from
        } else {
            initial = objects.filter { matches($0.key, $0.value) }.sorted { $0.key < $1.key }.map { line("ADDED", .object($0.value)) }
        }
        let chunks = initial
        let first = start
        return FakeHTTPResponse(
            status: 200, headers: [("content-type", "application/json")],
            stream: {
                AsyncStream { continuation in
                    let task = Task {
                        for chunk in chunks { continuation.yield(chunk) }
                        var seen = first
                        let deadline = Date().addingTimeInterval(timeout)
                        // The watch cache sends its bookmark 2 s before the deadline, so none for a watch of 2 s or less.
                        var bookmarkAt: Date? = bookmarks && timeout > 2 ? deadline.addingTimeInterval(-2) : nil
                        while Date() < deadline, !Task.isCancelled {
                            if let at = bookmarkAt, Date() >= at {
                                bookmarkAt = nil
                                let version = await self.revision
                                continuation.yield(
                                    line(
                                        "BOOKMARK",
                                        [
                                            "kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
                                            "metadata": ["resourceVersion": .string(String(max(seen, version))), "creationTimestamp": .null],
                                        ]))
                            }
                            let (next, records) = await self.events(after: seen)
                            seen = next
                            for record in records where matches(record.key, record.object) {
                                continuation.yield(line(record.type, .object(record.object)))
                            }
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            })
    }

    func events(after revision: Int) -> (Int, [WatchRecord]) {
        // Records are in revision order: find the first newer one by bisection, not by a scan.
        var low = 0
        var high = events.count
        while low < high {
            let middle = (low + high) / 2
            if events[middle].revision > revision { high = middle } else { low = middle + 1 }
        }
        return (self.revision, Array(events[low...]))
    }

    /// The `APIResourceList` the fake serves for `types` of one group-version.
    public static func discovery(_ types: [ResourceType], groupVersion: String) -> ManifestValue {
        var resources: [ManifestValue] = []
        for type in types {
            var entry: ManifestObject = [
                "name": .string(type.plural), "singularName": .string(type.kind.lowercased()), "namespaced": .bool(type.namespaced),
                "kind": .string(type.kind),
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            resources.append(.object(entry))
            if type.hasStatus {
                resources.append(
                    [
                        "name": .string("\(type.plural)/status"), "singularName": "", "namespaced": .bool(type.namespaced),
                        "kind": .string(type.kind),
                        "verbs": ["get", "patch", "update"],
                    ])
            }
        }
        // The core group's list has no apiVersion of its own; the others say v1.
        if groupVersion == "v1" { return ["kind": "APIResourceList", "groupVersion": .string(groupVersion), "resources": .array(resources)] }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion), "resources": .array(resources)]
    }

    /// A list as `PartialObjectMetadataList`: each item's metadata only.
    static func metadataOnly(_ list: ManifestObject) -> ManifestObject {
        let items: [ManifestValue] = (list["items"]?.array ?? []).map { item in
            ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item.object?["metadata"] ?? .object(ManifestObject())]
        }
        return ["kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list["metadata"] ?? .object(ManifestObject()), "items": .array(items)]
    }

    static func body(_ request: FakeHTTPRequest) throws(KubeStatus) -> ManifestObject {
        // JSON (what clients send) is read by the JSON parser; anything else as YAML, as the API server does.
        if request.body.first == UInt8(ascii: "{"), case .object(let object)? = try? ManifestValue.parseJSON(request.body) {
            if let duplicate = DuplicateKeys.first(in: request.body), request.query["fieldValidation"] == "Strict" {
                throw KubeStatus(
                    code: 400, reason: "BadRequest",
                    message: "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 1: key \(GoQuote.quote(duplicate)) already set in map")
            }
            return object
        }
        let text = String(decoding: request.body, as: UTF8.self)
        guard let documents = try? ManifestYAML.parseDocuments(text), documents.count == 1, let object = documents[0].object else {
            throw KubeStatus(code: 400, reason: "BadRequest", message: "the request body is not one JSON or YAML object")
        }
        return object
    }

    static func json(_ status: Int, _ value: ManifestValue) -> FakeHTTPResponse {
        FakeHTTPResponse(status: status, headers: [("content-type", "application/json")], body: Data(value.canonicalJSONBytes))
    }

    static func reply(_ status: KubeStatus) -> FakeHTTPResponse { json(status.code, .object(status.json)) }
}

extension FakeKubernetes {
    /// The `Status` body the fake answers for a missing object of `type`.
    public static func notFoundBody(_ type: ResourceType, name: String) -> ManifestObject { KubeStatus.notFound(type, name).json }
}
