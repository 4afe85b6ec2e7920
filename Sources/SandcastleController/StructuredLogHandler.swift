import Foundation
import Logging
import SandcastleCore

/// A swift-log handler writing one line per event as JSON or logfmt to standard error, with the
/// metadata (repository, pr, delivery, …) as fields. Callers never put secrets in metadata.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: ControllerSettings.LogFormat
    private let write: @Sendable (String) -> Void

    public init(label: String, format: ControllerSettings.LogFormat, write: @escaping @Sendable (String) -> Void = StructuredLogHandler.standardError)
    {
        self.label = label
        self.format = format
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let time = RFC3339.string(Date())
        var pairs: [(String, String)] = [("time", time), ("level", event.level.rawValue), ("logger", label), ("msg", "\(event.message)")]
        pairs += fields.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        write(format == .json ? Self.json(pairs) : Self.logfmt(pairs))
    }

    static func json(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\(quote($0.0)):\(quote($0.1))" }.joined(separator: ",") + "}"
    }

    static func logfmt(_ pairs: [(String, String)]) -> String {
        pairs.map { key, value in
            let bare = !value.isEmpty && value.allSatisfy { $0 != " " && $0 != "\"" && $0 != "=" && !$0.isNewline && $0.isASCII }
            return "\(key)=\(bare ? value : quote(value))"
        }.joined(separator: " ")
    }

    /// A JSON string literal of `text` (the core's canonical JSON escaping; logfmt accepts it too).
    private static func quote(_ text: String) -> String { ManifestValue.string(text).canonicalJSON }
}
