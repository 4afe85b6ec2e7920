import Foundation
import SandcastleCore

/// A parsed `labelSelector`: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`.
struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String), notEquals(String, String), exists(String), absent(String), isIn(String, Set<String>), notIn(String, Set<String>)
    }

    var requirements: [Requirement]

    init(parsing text: String) throws(KubeStatus) {
        var requirements: [Requirement] = []
        var parts: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { parts.append(current) }
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if let range = part.range(of: " notin ") {
                requirements.append(.notIn(String(part[..<range.lowerBound]), Self.set(part[range.upperBound...])))
            } else if let range = part.range(of: " in ") {
                requirements.append(.isIn(String(part[..<range.lowerBound]), Self.set(part[range.upperBound...])))
            } else if let range = part.range(of: "!=") {
                requirements.append(.notEquals(String(part[..<range.lowerBound]), String(part[range.upperBound...])))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                let value = part[range.upperBound...]
                // A value is one token: a second operator is the parser's error, in its words.
                if value.contains("=") || value.contains("!") {
                    throw KubeStatus(code: 400, reason: "BadRequest", message: "found '=', expected: ',' or 'end of string'")
                }
                requirements.append(.equals(String(part[..<range.lowerBound]), String(value)))
            } else if part.hasPrefix("!") {
                requirements.append(.absent(String(part.dropFirst())))
            } else if !part.isEmpty, part.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) {
                requirements.append(.exists(part))
            } else {
                throw KubeStatus(code: 400, reason: "BadRequest", message: "unable to parse requirement: \(part)")
            }
        }
        self.requirements = requirements
    }

    private static func set(_ text: Substring) -> Set<String> {
        Set(text.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .exists(let key): labels[key] != nil
            case .absent(let key): labels[key] == nil
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            }
        }
    }
}
