import Foundation

/// Parses GitHub's `Link` header: `<https://…?page=2>; rel="next", <…>; rel="last"`.
enum LinkHeader {
    /// The URL with relation `rel`, if any.
    static func url(in header: String?, rel: String) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if pieces.dropFirst().contains(where: { $0 == "rel=\"\(rel)\"" || $0 == "rel=\(rel)" }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}
