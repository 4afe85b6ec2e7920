import Foundation

/// Builds a Kustomize directory into a YAML stream.
public protocol KustomizeBuilding: Sendable {
    /// Runs the build of the kustomization in `directory`.
    func build(directory: String) throws(RenderError) -> String
}

/// `kubectl kustomize DIR`, found on `PATH`, confined: Kustomize reads a PR's bundle, so it runs
/// with the load restrictor on (root only), exec plugins and Helm off (kubectl's defaults), no
/// usable network (proxies to a closed port, no git transport), and limits on memory, CPU, wall
/// time and output size (``Subprocess/Confinement``), in its own process group killed on any limit.
public struct KubectlKustomize: KustomizeBuilding {
    public var executable: String
    public var limits: Subprocess.Confinement

    public init(executable: String = "kubectl", limits: Subprocess.Confinement = .init()) {
        self.executable = executable
        self.limits = limits
    }

    public func build(directory: String) throws(RenderError) -> String {
        guard let path = Subprocess.locate(executable) else {
            throw RenderError(
                "'\(executable)' is not installed or not on PATH; it is needed to build Kustomize bundles (bundle.kind: kustomize). Install kubectl, or use bundle.kind: manifests"
            )
        }
        return try Subprocess.renderingTool(
            path, ["kustomize", "--load-restrictor", "LoadRestrictionsRootOnly", directory], limits: limits, name: "kubectl kustomize",
            what: "the bundle")
    }
}

extension Subprocess {
    /// Runs a renderer (`kubectl kustomize`, `helm template`) confined by `limits`; its standard
    /// output, or an error naming `name` with its exit status and message, or the limit it hit.
    static func renderingTool(_ path: String, _ arguments: [String], limits: Confinement, name: String, what: String) throws(RenderError) -> String {
        let run: (result: Subprocess.Result, exceeded: Bool)
        do {
            run = try Subprocess.runConfined(path, arguments, limits: limits)
        } catch {
            throw RenderError("cannot run '\(path) \(arguments.first ?? "")': \(error.localizedDescription)")
        }
        if run.exceeded {
            throw RenderError("\(name) was stopped: \(what) needs more than the renderer's limits (\(limits.summary)); make it smaller")
        }
        guard run.result.status == 0 else {
            throw RenderError("\(name) failed (exit \(run.result.status)): \(String(run.result.stderr.trimmingWhitespace().prefix(2000)))")
        }
        return run.result.stdout
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

    /// The bundle is checked before Kustomize reads it: kustomizations against
    /// ``KustomizationPolicy``, and every YAML file parsed as Sandcastle parses YAML (so an alias
    /// bomb or a merge key is refused here, not expanded by Kustomize).
    static func checkNoRemoteResources(_ files: BundleFiles) throws(RenderError) {
        var issues = KustomizationPolicy.check(files)
        for file in files.files where file.isYAML && !file.isKustomization {
            do {
                _ = try ManifestYAML.parseDocuments(String(decoding: file.data, as: UTF8.self))
            } catch {
                issues.append(.init(location: error.line.map { "\(file.path):\($0)" } ?? file.path, message: error.message))
            }
        }
        guard issues.isEmpty else { throw RenderError("the Kustomize bundle is not allowed as it is", issues: issues) }
    }
}
