import Foundation

/// Builds a Kustomize directory into a YAML stream.
public protocol KustomizeBuilding: Sendable {
    /// Runs the build of the kustomization in `directory`.
    func build(directory: String) throws(RenderError) -> String
}

/// `kubectl kustomize DIR`, found on `PATH`. Exec plugins and Helm stay disabled (kubectl's defaults).
public struct KubectlKustomize: KustomizeBuilding {
    public var executable: String

    public init(executable: String = "kubectl") { self.executable = executable }

    public func build(directory: String) throws(RenderError) -> String {
        guard let path = Subprocess.locate(executable) else {
            throw RenderError(
                "'\(executable)' is not installed or not on PATH; it is needed to build Kustomize bundles (bundle.kind: kustomize). Install kubectl, or use bundle.kind: manifests"
            )
        }
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(path, ["kustomize", directory])
        } catch {
            throw RenderError("cannot run '\(path) kustomize': \(error.localizedDescription)")
        }
        guard result.status == 0 else {
            throw RenderError("kubectl kustomize failed (exit \(result.status)): \(result.stderr.trimmingWhitespace())")
        }
        return result.stdout
    }
}

/// Building a Kustomize bundle: copy it, add an overlay that sets Sandcastle's labels and image
/// digests, and build the overlay.
///
/// The overlay does not set `namespace:`: Kustomize would silently rewrite a hard-coded foreign
/// namespace, hiding a bundle-contract violation. Sandcastle checks the built objects and sets
/// the namespace itself.
enum KustomizeBundle {
    static func build(_ files: BundleFiles, context: RenderContext, builder: any KustomizeBuilding) throws(RenderError) -> [Manifest] {
        guard files.files.contains(where: { BundleFiles.kustomizationNames.contains($0.path) }) else {
            throw RenderError("bundle.kind is kustomize but the bundle has no kustomization.yaml at its root; add one or set bundle.kind: manifests")
        }
        try checkNoRemoteResources(files)
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("sandcastle-kustomize-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: work) }
        try files.write(to: work + "/base")
        do {
            try fm.createDirectory(atPath: work + "/overlay", withIntermediateDirectories: true)
            try Data(overlay(context).utf8).write(to: URL(fileURLWithPath: work + "/overlay/kustomization.yaml"))
        } catch {
            throw RenderError("cannot write the Kustomize overlay: \(error.localizedDescription)")
        }
        let output = try builder.build(directory: work + "/overlay")
        do {
            return try ManifestYAML.parseDocuments(output).compactMap { $0.object.map(fromBuild) }
        } catch {
            throw RenderError("kubectl kustomize printed YAML that cannot be read: \(error.message)")
        }
    }

    static let originAnnotation = "config.kubernetes.io/origin"

    /// A built object with its source file taken from Kustomize's origin annotation, which is removed.
    static func fromBuild(_ object: ManifestObject) -> Manifest {
        var manifest = Manifest(object: object, source: "kustomize")
        var metadata = manifest.metadata
        guard var annotations = metadata["annotations"]?.object, let origin = annotations[originAnnotation]?.string else { return manifest }
        for line in origin.split(separator: "\n") where line.hasPrefix("path: ") {
            var path = line.dropFirst("path: ".count)
            if path.hasPrefix("../base/") { path = path.dropFirst("../base/".count) }
            manifest.source = String(path)
        }
        annotations[originAnnotation] = nil
        metadata["annotations"] = annotations.pairs.isEmpty ? nil : .object(annotations)
        manifest.metadata = metadata
        return manifest
    }

    /// The overlay's `kustomization.yaml`.
    static func overlay(_ context: RenderContext) -> String {
        var kustomization: ManifestObject = ManifestObject([
            ("apiVersion", "kustomize.config.k8s.io/v1beta1"), ("kind", "Kustomization"), ("resources", ["../base"]),
            ("labels", [["pairs": .strings(Ownership.labels(for: context.key)), "includeSelectors": false]]),
            ("buildMetadata", ["originAnnotations"]),
        ])
        let images = context.pins.compactMap { pin in
            pin.digest.map { ManifestValue.object(ManifestObject([("name", .string(pin.name)), ("digest", .string($0))])) }
        }
        if !images.isEmpty { kustomization["images"] = .array(images) }
        return ManifestYAML.emit(.object(kustomization))
    }

    /// Remote bases would make a build fetch code from the network: refused.
    static func checkNoRemoteResources(_ files: BundleFiles) throws(RenderError) {
        var issues: [RenderError.Issue] = []
        for file in files.files where file.isKustomization {
            guard let documents = try? ManifestYAML.parseDocuments(String(decoding: file.data, as: UTF8.self)),
                let object = documents.first?.object
            else {
                issues.append(.init(location: file.path, message: "not a readable kustomization"))
                continue
            }
            for field in ["resources", "bases", "components"] {
                for entry in object[field]?.array ?? [] {
                    guard let text = entry.string else { continue }
                    let remote = text.contains("://") || text.hasPrefix("github.com/") || text.hasPrefix("git@")
                    if remote || text.hasPrefix("/") || escapes(text, from: file.path) {
                        issues.append(
                            .init(location: file.path, message: "\(field) entry '\(text)' is outside the bundle; only paths inside it are allowed"))
                    }
                }
            }
            if object["helmCharts"] != nil || object["helmChartInflationGenerator"] != nil {
                issues.append(.init(location: file.path, message: "Helm charts are not supported in preview bundles"))
            }
        }
        guard issues.isEmpty else { throw RenderError("the Kustomize bundle refers outside itself", issues: issues) }
    }

    /// Whether a relative path written in the file at `filePath` climbs above the bundle root.
    static func escapes(_ reference: String, from filePath: String) -> Bool {
        var depth = filePath.split(separator: "/").count - 1
        for component in reference.split(separator: "/") {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return true }
        }
        return false
    }
}
