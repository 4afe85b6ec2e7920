import Foundation

/// What a preview bundle's Kustomization files may say, checked before Kustomize runs: every file
/// named like a kustomization, at any depth; keys matched case-insensitively (as Kustomize decodes
/// them); an allow-list of fields; every path inside the bundle; no URL or remote shorthand; no
/// plugins, generators, transformers, validators, Helm or OpenAPI loading, which execute or fetch.
///
/// Kustomize fetches over HTTP(S) and git for more than `resources` (generator files and envs,
/// patch paths, `crds`, `configurations`, …); the answer would land in the PR's own objects, read
/// from the controller's network position. So anything not known to be local is refused.
public enum KustomizationPolicy {
    /// Fields whose values are not paths.
    static let plainFields: Set<String> = [
        "apiversion", "kind", "metadata", "namespace", "nameprefix", "namesuffix", "labels", "commonlabels", "commonannotations",
        "images", "replicas", "generatoroptions", "sortoptions", "buildmetadata", "vars",
    ]
    /// Fields that list paths (directories or files) inside the bundle.
    static let pathListFields: Set<String> = ["resources", "bases", "components", "crds", "configurations", "patchesstrategicmerge"]
    /// Fields whose entries may carry a `path` inside the bundle (or an inline patch).
    static let entryPathFields: Set<String> = ["patches", "patchesjson6902", "replacements"]
    /// Generators whose `files`, `envs` and `env` are paths inside the bundle.
    static let generatorFields: Set<String> = ["configmapgenerator", "secretgenerator"]
    /// Refused outright: they run plugins or containers, or fetch (charts, schemas).
    static let refusedFields: [String: String] = [
        "generators": "runs generator plugins", "transformers": "runs transformer plugins", "validators": "runs validator plugins",
        "helmcharts": "inflates Helm charts (which fetch)", "helmglobals": "configures Helm", "helmchartinflationgenerator": "inflates Helm charts",
        "openapi": "loads OpenAPI schemas (which may be fetched)",
    ]

    /// Every problem of every kustomization file in `files`, by file and field.
    public static func check(_ files: BundleFiles) -> [RenderError.Issue] {
        var issues: [RenderError.Issue] = []
        for file in files.files where file.isKustomization {
            issues += check(file)
        }
        return issues
    }

    static func check(_ file: BundleFiles.File) -> [RenderError.Issue] {
        let object: ManifestObject
        do {
            let documents = try ManifestYAML.parseDocuments(String(decoding: file.data, as: UTF8.self))
            guard documents.count == 1, let first = documents.first?.object else {
                return [.init(location: file.path, message: "a kustomization must be one YAML mapping")]
            }
            object = first
        } catch {
            return [.init(location: error.line.map { "\(file.path):\($0)" } ?? file.path, message: error.message)]
        }
        var issues: [RenderError.Issue] = []
        func refuse(_ field: String, _ message: String) { issues.append(.init(location: "\(file.path): \(field)", message: message)) }
        var seen: [String: String] = [:]
        for pair in object.pairs {
            let field = pair.key, key = field.lowercased()
            if let other = seen[key] {
                refuse(field, "repeats '\(other)' (Kustomize matches field names without regard to case)")
                continue
            }
            seen[key] = field
            if let why = refusedFields[key] {
                refuse(field, "not allowed in a preview bundle: it \(why)")
            } else if plainFields.contains(key) {
                if key == "kind", let kind = pair.value.string, kind != "Kustomization", kind != "Component" {
                    refuse(field, "expected Kustomization or Component, found '\(kind)'")
                }
            } else if pathListFields.contains(key) {
                for (index, entry) in (pair.value.array ?? []).enumerated() {
                    guard let text = entry.string else { continue }
                    // patchesStrategicMerge also takes inline patches (multi-line YAML).
                    if key == "patchesstrategicmerge", text.contains("\n") { continue }
                    if let problem = pathProblem(text, in: file.path) { refuse("\(field)[\(index)]", problem) }
                }
                if pair.value.array == nil { refuse(field, "expected a list of paths inside the bundle") }
            } else if entryPathFields.contains(key) {
                for (index, entry) in (pair.value.array ?? []).enumerated() {
                    if let text = entry.string, let problem = pathProblem(text, in: file.path) { refuse("\(field)[\(index)]", problem) }
                    if let path = entry.object?.pairs.first(where: { $0.key.lowercased() == "path" })?.value.string,
                        let problem = pathProblem(path, in: file.path)
                    {
                        refuse("\(field)[\(index)].path", problem)
                    }
                }
            } else if generatorFields.contains(key) {
                for (index, entry) in (pair.value.array ?? []).enumerated() {
                    for sub in entry.object?.pairs ?? [] {
                        let name = sub.key.lowercased()
                        guard ["files", "envs", "env"].contains(name) else { continue }
                        let values = sub.value.array?.compactMap(\.string) ?? sub.value.string.map { [$0] } ?? []
                        for (position, value) in values.enumerated() {
                            // `files` entries may be `key=path`.
                            let path = name == "files" && value.contains("=") ? String(value.split(separator: "=", maxSplits: 1)[1]) : value
                            if let problem = pathProblem(path, in: file.path) { refuse("\(field)[\(index)].\(sub.key)[\(position)]", problem) }
                        }
                    }
                }
            } else {
                refuse(field, "not a field Sandcastle allows in a preview bundle's kustomization")
            }
        }
        return issues
    }

    /// Why `reference`, written in the file at `filePath`, is not a path inside the bundle.
    public static func pathProblem(_ reference: String, in filePath: String) -> String? {
        let text = reference.trimmingCharacters(in: .whitespaces)
        let lowered = text.lowercased()
        let remote = ["://", "github.com/", "gitlab.com/", "bitbucket.org/", "git@", "gh:", "git::", "ssh:", "http:", "https:", "file:"]
        if remote.contains(where: { lowered.contains($0) }) {
            return "'\(reference)' is a remote reference; only paths inside the bundle are allowed"
        }
        if text.isEmpty { return "an empty path" }
        if text.hasPrefix("/") || text.hasPrefix("~") { return "'\(reference)' is an absolute path; only paths inside the bundle are allowed" }
        var depth = filePath.split(separator: "/").count - 1
        for component in text.split(separator: "/") {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return "'\(reference)' leaves the bundle; only paths inside it are allowed" }
        }
        return nil
    }
}
