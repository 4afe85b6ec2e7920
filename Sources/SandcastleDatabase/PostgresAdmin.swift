import Foundation

/// The admin connection to the shared server, parsed from `postgres://USER:PASSWORD@HOST:PORT/DB`.
public struct PostgresAdmin: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var database: String
    /// `sslmode=require` (or `verify-full`) asks for TLS.
    public var requireTLS: Bool

    public init(url text: String) throws(DatabaseError) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? "") else {
            throw .adminURL("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = url.host, !host.isEmpty else { throw .adminURL("no host") }
        guard let user = url.user, !user.isEmpty else { throw .adminURL("no user") }
        self.host = host
        self.port = url.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = (url.password ?? "").removingPercentEncoding ?? ""
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = path.isEmpty ? "postgres" : path
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        self.requireTLS = ["require", "verify-ca", "verify-full"].contains(mode)
    }

    /// Never shows the password.
    public var description: String { "\(user)@\(host):\(port)/\(database)" }
}
