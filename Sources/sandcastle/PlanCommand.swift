import ArgumentParser
import Foundation
import SandcastleCore

/// `sandcastle plan`: replays webhook payload files through the controller's planner and prints
/// the steps it would take, in order.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Replay webhook payloads (files named [NN-]EVENT.….json, in name order) and print the steps the controller would take.",
        discussion: """
            Each pull_request payload counts as a fresh read of the PR. Whoever added the trigger label is \
            assumed to hold --assume-permission. Without --bundle the head SHA stands for the rendered content. \
            Every step is assumed to succeed: workloads become available, namespaces disappear, GitHub takes every report.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "Directory of webhook payload files; the event is the file name up to the first dot, after an optional ordering prefix like 01-.")
    var events: String

    @Option(help: "Render this bundle directory for each PR to compute real content hashes.")
    var bundle: String?

    @Option(help: "Permission assumed for whoever added the trigger label (read, triage, write, maintain, admin).")
    var assumePermission: String = "write"

    func validate() throws {
        guard Permission(rawValue: assumePermission) != nil else {
            throw ValidationError("--assume-permission must be one of: \(Permission.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// `pull_request` for `pull_request.opened.json` and `03-pull_request.closed.json`.
    static func eventName(of file: String) -> String {
        let stem = file.prefix { $0 != "." }
        if let dash = stem.firstIndex(where: { $0 == "-" || $0 == "_" }), dash > stem.startIndex, stem[..<dash].allSatisfy(\.isNumber) {
            return String(stem[stem.index(after: dash)...])
        }
        return String(stem)
    }

    func run() throws {
        let config = try options.load()
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: events) else {
            throw InvalidInput("cannot read the events directory '\(events)'")
        }
        let files = names.filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else { throw InvalidInput("no .json payload files in '\(events)'") }

        var decoded: [(String, WebhookEvent)] = []
        for file in files {
            let event = Self.eventName(of: file)
            guard let data = fm.contents(atPath: events + "/" + file) else { throw InvalidInput("\(events)/\(file): cannot read the file") }
            do {
                decoded.append((file, try WebhookDecoder.decode(event: event, body: data)))
            } catch {
                throw InvalidInput("\(events)/\(file): \(error.description)")
            }
        }

        var replay = EventReplay(config: config, assumedPermission: Permission(rawValue: assumePermission)!)
        if let bundle {
            replay.render = { key, sha, settings in
                let rendered = try Renderer(engine: GitOpsEngine(sink: config.sink, forgeAPIURL: config.forge.apiURL)).render(
                    RenderContext(key: key, sha: sha, settings: settings), bundleDirectory: bundle)
                return RenderSummary(sha: sha, contentHash: rendered.contentHash, hooks: rendered.hooks.map(\.spec))
            }
        }
        for (file, event) in decoded {
            let step = replay.replay(name: file, event: event)
            print("\(file): \(step.summary)")
            if let note = step.note { print("  \(note)") }
            for action in step.steps { print("  \(action)") }
            if let ending = step.ending { print("  → \(ending)") } else if step.note == nil { print("  no action") }
        }
    }
}
