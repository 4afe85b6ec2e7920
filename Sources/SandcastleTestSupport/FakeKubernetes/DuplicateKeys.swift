import Foundation

/// Finds a key written twice in one JSON object, which a real API server refuses under
/// `fieldValidation=Strict` and warns about otherwise (the last value wins).
enum DuplicateKeys {
    /// The first duplicated key in `json`, if any. Assumes `json` parsed as JSON.
    static func first(in json: Data) -> String? {
        let bytes = [UInt8](json)
        var index = 0
        /// Per open container: the keys seen so far (`nil` for an array).
        var stack: [Set<String>?] = []
        var expectingKey = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if expectingKey, var keys = stack.last ?? nil {
                    let key = String(decoding: bytes[(index + 1)..<min(end, bytes.count)], as: UTF8.self)
                    if keys.contains(key) { return key }
                    keys.insert(key)
                    stack[stack.count - 1] = keys
                    expectingKey = false
                }
                index = end
            default:
                break
            }
            index += 1
        }
        return nil
    }
}
