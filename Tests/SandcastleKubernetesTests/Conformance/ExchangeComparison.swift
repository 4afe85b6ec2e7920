import Foundation
import SandcastleCore
import SandcastleTestSupport

/// What the fake answered to one recorded request.
struct ReplayedAnswer {
    var status: Int
    /// Lowercased names.
    var headers: [String: String]
    /// A JSON object, a watch's events, or text.
    var body: ManifestValue
}

/// Compares a recorded answer of the real API server with the fake's, on what Sandcastle depends
/// on: the status code, the media type, a `Status` body's `reason`, `code` and causes (`reason`,
/// `field`), an object's identity and what a write echoed of the request, a list's kind, items and
/// `continue`, an access review's answer, the `Warning` header and a watch's event sequence.
/// Values that are the server's own (uids, timestamps, resourceVersions) are compared by shape, by
/// ``ReplayMemory``.
enum ExchangeComparison {
    /// Every difference between `recorded` and `fake`, in words.
    static func differences(_ recorded: RecordedExchange, _ fake: ReplayedAnswer, memory: inout ReplayMemory) -> [String] {
        var found: [String] = []
        if recorded.status != fake.status { found.append("status \(fake.status), the real server answers \(recorded.status)") }
        let fakeType = RecordedExchange.mediaType(fake.headers["content-type"])
        if recorded.mediaType != fakeType { found.append("content type \(fakeType), the real server sends \(recorded.mediaType)") }
        if (recorded.responseHeaders["warning"] != nil) != (fake.headers["warning"] != nil) {
            found.append("Warning header \(fake.headers["warning"] == nil ? "missing" : "sent"), the real server \(recorded.responseHeaders["warning"] == nil ? "sends none" : "sends one")")
        }
        if let events = recorded.watchEvents, recorded.status == 200 {
            found += watchDifferences(events, fake.body.array?.compactMap(\.object) ?? [])
            return found
        }
        guard let real = recorded.responseObject, let answer = fake.body.object else { return found }
        if real["kind"]?.string == "Status" {
            found += statusDifferences(real, answer)
            return found
        }
        if real["kind"]?.string != answer["kind"]?.string {
            found.append("kind \(answer["kind"]?.string ?? "none"), the real server answers \(real["kind"]?.string ?? "none")")
            return found
        }
        if let items = real["items"]?.array {
            found += listDifferences(items, real, answer, recorded: recorded)
        } else {
            found += objectDifferences(real, answer, recorded: recorded, memory: &memory)
        }
        return found
    }

    static func statusDifferences(_ real: ManifestObject, _ fake: ManifestObject) -> [String] {
        var found: [String] = []
        for field in ["reason", "code", "status"] where real[field] != fake[field] {
            found.append("Status \(field) \(describe(fake[field])), the real server says \(describe(real[field]))")
        }
        let causes = { (object: ManifestObject) -> [String] in
            (object.value(at: "details.causes")?.array ?? []).compactMap(\.object).map {
                "\($0["reason"]?.string ?? "")@\($0["field"]?.string ?? "")"
            }.sorted()
        }
        if causes(real) != causes(fake) { found.append("causes \(causes(fake)), the real server gives \(causes(real))") }
        return found
    }

    static func listDifferences(_ items: [ManifestValue], _ real: ManifestObject, _ fake: ManifestObject, recorded: RecordedExchange) -> [String] {
        var found: [String] = []
        // A generated name is the server's own: compared by its prefix.
        let names = { (list: [ManifestValue]) -> [String] in
            list.compactMap(\.object).map { item in
                let name = item.value(at: "metadata.generateName")?.string.map { $0 + "*" } ?? item.value(at: "metadata.name")?.string ?? ""
                return "\(item.value(at: "metadata.namespace")?.string ?? "")/\(name)"
            }
        }
        let fakeItems = fake["items"]?.array ?? []
        if names(items) != names(fakeItems) { found.append("items \(names(fakeItems)), the real server lists \(names(items))") }
        // An empty token (custom resources' lists send one) is no token.
        let realContinues = !(real.value(at: "metadata.continue")?.string ?? "").isEmpty
        let fakeContinues = !(fake.value(at: "metadata.continue")?.string ?? "").isEmpty
        if realContinues != fakeContinues {
            found.append("continue token \(fakeContinues ? "given" : "missing"), the real server \(realContinues ? "gives one" : "gives none")")
        }
        let kinds = { (list: [ManifestValue]) -> Set<String> in Set(list.compactMap { $0.object?["kind"]?.string }) }
        if kinds(items) != kinds(fakeItems) { found.append("item kinds \(kinds(fakeItems).sorted()), the real server's \(kinds(items).sorted())") }
        return found
    }

    static func objectDifferences(
        _ real: ManifestObject, _ fake: ManifestObject, recorded: RecordedExchange, memory: inout ReplayMemory
    ) -> [String] {
        var found: [String] = []
        for path in ["apiVersion", "metadata.name", "metadata.namespace", "metadata.generation", "metadata.finalizers", "status.allowed"]
        where real.value(at: path) != fake.value(at: path) {
            found.append("\(path) \(describe(fake.value(at: path))), the real server's \(describe(real.value(at: path)))")
        }
        if (real.value(at: "metadata.deletionTimestamp") != nil) != (fake.value(at: "metadata.deletionTimestamp") != nil) {
            found.append("deletionTimestamp \(fake.value(at: "metadata.deletionTimestamp") == nil ? "missing" : "set"), the real server's \(real.value(at: "metadata.deletionTimestamp") == nil ? "unset" : "set")")
        }
        // What a write echoes of its request: a field the real server kept as sent is kept by the
        // fake, one it ignored (status on the main resource, spec on /status) is ignored too.
        if let text = recorded.requestBody, recorded.method != "DELETE", let sent = try? ManifestValue.parseJSON(Data(text.utf8)).object {
            let serverOwn = ["metadata.resourceVersion", "metadata.uid", "metadata.creationTimestamp"]
            // managedFields are not compared: the fake tracks applied configurations, not managedFields.
            for (path, value) in leaves(.object(sent)) where !serverOwn.contains(path) && !path.hasPrefix("metadata.managedFields") {
                let kept = lookup(.object(real), path) == value
                if kept != (lookup(.object(fake), path) == value) {
                    found.append("\(path) \(kept ? "not kept as sent" : "kept as sent"), the real server \(kept ? "keeps it" : "does not")")
                }
            }
        }
        if let message = memory.compareVersion(real, fake) { found.append(message) }
        return found
    }

    static func watchDifferences(_ real: [ManifestObject], _ fake: [ManifestObject]) -> [String] {
        let shape = { (events: [ManifestObject]) -> [String] in
            events.map { event in
                let type = event["type"]?.string ?? "?"
                switch type {
                case "ERROR": return "ERROR \(describe(event.value(at: "object.code"))) \(event.value(at: "object.reason")?.string ?? "")"
                case "BOOKMARK": return "BOOKMARK"
                default: return "\(type) \(event.value(at: "object.metadata.name")?.string ?? "")"
                }
            }
        }
        return shape(real) == shape(fake) ? [] : ["watch events \(shape(fake)), the real server sends \(shape(real))"]
    }

    /// Every scalar of `value` by path (`a.b[0].c`); keys holding '.' or '[' are left out.
    static func leaves(_ value: ManifestValue, prefix: String = "") -> [(String, ManifestValue)] {
        switch value {
        case .object(let object) where !object.pairs.isEmpty:
            return object.pairs.flatMap { pair -> [(String, ManifestValue)] in
                pair.key.contains(".") || pair.key.contains("[") ? [] : leaves(pair.value, prefix: prefix.isEmpty ? pair.key : "\(prefix).\(pair.key)")
            }
        case .array(let items) where !items.isEmpty:
            return items.enumerated().flatMap { leaves($1, prefix: "\(prefix)[\($0)]") }
        default:
            return [(prefix, value)]
        }
    }

    /// The value at a path made by ``leaves(_:prefix:)``.
    static func lookup(_ value: ManifestValue, _ path: String) -> ManifestValue? {
        var current: ManifestValue? = value
        for segment in path.split(separator: ".") {
            var rest = Substring(segment)
            if let bracket = rest.firstIndex(of: "[") {
                let key = rest[..<bracket]
                if !key.isEmpty { current = current?.object?[String(key)] }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    let index = Int(rest[rest.index(after: rest.startIndex)..<close]) ?? -1
                    let items = current?.array ?? []
                    current = items.indices.contains(index) ? items[index] : nil
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                current = current?.object?[String(rest)]
            }
        }
        return current
    }

    static func describe(_ value: ManifestValue?) -> String { value.map(\.canonicalJSON) ?? "none" }
}

/// What the replay learned of the two servers' own values, to translate the real server's uids,
/// resourceVersions and continue tokens in later requests, and to compare resourceVersions by
/// shape: per object, a write that left the real one unchanged leaves the fake's unchanged too.
struct ReplayMemory {
    /// The real server's value → the fake's (uids, resourceVersions, continue tokens).
    var translation: [String: String] = [:]
    /// Per object (kind/namespace/name): the last resourceVersion of each server.
    var versions: [String: (real: String, fake: String)] = [:]

    /// Learns the server values of `real` and `fake` (objects, lists, watch events).
    mutating func learn(_ real: ManifestValue, _ fake: ManifestValue) {
        switch (real, fake) {
        case (.object(let r), .object(let f)):
            for path in ["metadata.uid", "metadata.resourceVersion", "metadata.continue"] {
                if let a = r.value(at: path)?.string, let b = f.value(at: path)?.string, !a.isEmpty { translation[a] = b }
            }
            if let items = r["items"]?.array, let fakeItems = f["items"]?.array {
                let fakeByName = Dictionary(fakeItems.compactMap { item in item.object.map { (Self.name(of: $0), item) } }, uniquingKeysWith: { a, _ in a })
                for item in items { if let object = item.object, let match = fakeByName[Self.name(of: object)] { learn(item, match) } }
            }
            if let object = r["object"], let match = f["object"] { learn(object, match) }
        case (.array(let r), .array(let f)):
            for (a, b) in zip(r, f) { learn(a, b) }
        default: break
        }
    }

    /// `nil` when the fake's resourceVersion of the object moved exactly when the real one did.
    mutating func compareVersion(_ real: ManifestObject, _ fake: ManifestObject) -> String? {
        guard let a = real.value(at: "metadata.resourceVersion")?.string, let b = fake.value(at: "metadata.resourceVersion")?.string else {
            return nil
        }
        let key = "\(real["kind"]?.string ?? "")/\(Self.name(of: real))"
        defer { versions[key] = (a, b) }
        guard let previous = versions[key] else { return nil }
        let realMoved = previous.real != a
        let fakeMoved = previous.fake != b
        guard realMoved != fakeMoved else { return nil }
        return realMoved ? "resourceVersion unchanged, the real server's moved" : "resourceVersion moved, the real server's did not"
    }

    static func name(of object: ManifestObject) -> String {
        "\(object.value(at: "metadata.namespace")?.string ?? "")/\(object.value(at: "metadata.name")?.string ?? "")"
    }

    /// `text` with every known real value that stands alone as a JSON string or query value
    /// replaced by the fake's.
    func translateBody(_ text: String) -> String {
        guard text.hasPrefix("{"), var object = try? ManifestValue.parseJSON(Data(text.utf8)).object else { return text }
        var changed = false
        for path in ["metadata.resourceVersion", "metadata.uid", "preconditions.uid", "preconditions.resourceVersion"] {
            if let value = object.value(at: path)?.string, let fake = translation[value] {
                object.set(.string(fake), at: path)
                changed = true
            }
        }
        // Sent as recorded unless a value had to be translated (duplicate keys and order matter to some).
        return changed ? ManifestValue.object(object).canonicalJSON : text
    }
}
