import Foundation
import SandcastleCore

/// A directory of rendered objects, one `NNN-kind-name.yaml` file per object in apply order.
///
/// Writing replaces the files of an earlier render (names matching `NNN-*.yaml`) and leaves any
/// other file alone.
public struct ManifestDirectory: Sendable {
    public var path: String

    public init(path: String) { self.path = path }

    /// The file name of the object at `index` (0-based) in apply order.
    public static func fileName(index: Int, object: Manifest) -> String {
        String(format: "%03d-%@-%@.yaml", index + 1, object.kind.lowercased(), object.name)
    }

    /// Writes every object of `rendered`, removing files of an earlier render first.
    public func write(_ rendered: RenderedPreview) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw DirectorySinkError("\(path) exists and is not a directory")
        }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        for old in try fm.contentsOfDirectory(atPath: path) where old.wholeMatch(of: /[0-9]{3}-.+\.yaml/) != nil {
            try fm.removeItem(atPath: path + "/" + old)
        }
        // A directory cannot hold Jobs back until the preview is ready: the hook Jobs are written
        // last, and whatever syncs the directory applies them with the rest.
        for (index, object) in (rendered.objects + rendered.hooks.map(\.manifest) + rendered.engineObjects).enumerated() {
            let file = path + "/" + ManifestDirectory.fileName(index: index, object: object)
            try Data(ManifestYAML.emit(.object(object.object)).utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        }
    }
}

/// A directory-sink operation that cannot be done; says which path and why.
public struct DirectorySinkError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
