import Foundation

extension String {
    /// RFC 3986's unreserved characters (ASCII letters, digits, `-._~`).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encoded for use as one URL path segment, query value or userinfo part: everything
    /// but the unreserved characters is encoded (`Foundation`'s `.alphanumerics` would let non-ASCII
    /// letters through).
    public var percentEncodedComponent: String { addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? self }
}
