import Crypto
import Foundation
import SandcastleCore

/// A preview's seed data: one SQL file, or the `.sql` files of a directory in name order, read from
/// the PR's checkout. Its hash names the template database it is loaded into.
public struct SeedSource: Sendable {
    public struct File: Sendable {
        public var name: String
        public var sql: String

        public init(name: String, sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    public var files: [File]
    /// SHA-256 (hex) over every file's name and content, in order.
    public var hash: String

    /// The largest seed accepted (1 GiB).
    public static let maxBytes = 1 << 30

    public init(files: [File]) {
        self.files = files
        var hasher = SHA256()
        for file in files {
            hasher.update(data: Data(file.name.utf8))
            hasher.update(data: [0])
            hasher.update(data: Data(file.sql.utf8))
            hasher.update(data: [0])
        }
        hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the seed at `path` inside `repositoryRoot`; refuses paths that leave the repository.
    public static func load(path: String, repositoryRoot: String) throws(DatabaseError) -> SeedSource {
        let root = URL(fileURLWithPath: repositoryRoot).standardizedFileURL.resolvingSymlinksInPath()
        let target = root.appendingPathComponent(path).standardizedFileURL.resolvingSymlinksInPath()
        guard target.path == root.path || target.path.hasPrefix(root.path + "/") else {
            throw DatabaseError.seed(file: path, line: nil, message: "the seed path leaves the repository")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
            throw DatabaseError.seed(file: path, line: nil, message: "no such file or directory")
        }
        var names: [String] = []
        if isDirectory.boolValue {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
            names = entries.filter { $0.hasSuffix(".sql") }.sorted().map { path + "/" + $0 }
            guard !names.isEmpty else { throw DatabaseError.seed(file: path, line: nil, message: "the directory has no .sql files") }
        } else {
            names = [path]
        }
        var files: [File] = []
        var total = 0
        for name in names {
            let url = root.appendingPathComponent(name).resolvingSymlinksInPath()
            guard url.path.hasPrefix(root.path + "/") else {
                throw DatabaseError.seed(file: name, line: nil, message: "a symbolic link leaves the repository")
            }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw DatabaseError.seed(file: name, line: nil, message: "cannot be read")
            }
            total += data.count
            guard total <= maxBytes else { throw DatabaseError.seed(file: name, line: nil, message: "the seed is larger than 1 GiB") }
            guard let sql = String(data: data, encoding: .utf8) else { throw DatabaseError.seed(file: name, line: nil, message: "not UTF-8 text") }
            files.append(File(name: name, sql: sql))
        }
        return SeedSource(files: files)
    }
}

/// A database operation that failed. Never contains a password.
public enum DatabaseError: ClassifiedError, Sendable, CustomStringConvertible, Equatable {
    /// The admin connection URL is not usable.
    case adminURL(String)
    /// The seed failed: the first error, with its file and line.
    case seed(file: String, line: Int?, message: String)
    /// The server refused an operation.
    case server(operation: String, message: String)
    /// A database or role of that name exists and Sandcastle's records do not claim it.
    case notOwned(String)
    /// An identifier that is not one of Sandcastle's (`sc_` and lowercase letters, digits, `_`).
    case badIdentifier(String)

    /// A seed, a name conflict or a bad configuration needs a human; a server error is retried.
    public var disposition: ErrorDisposition {
        if case .server = self { return .transient }
        return .stalled
    }

    /// A failing seed is reported under `sandcastle/seed` as well.
    public var statusContext: CommitStatus.Context {
        if case .seed = self { return .seed }
        return .deploy
    }

    public var description: String {
        switch self {
        case .adminURL(let reason): "database.postgres.admin: \(reason)"
        case .seed(let file, let line, let message): "seed \(file)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .server(let operation, let message): "\(operation): \(message)"
        case .notOwned(let name): "\(name) exists but was not created by Sandcastle; it is left alone"
        case .badIdentifier(let name): "'\(name)' is not a Sandcastle database identifier"
        }
    }
}
