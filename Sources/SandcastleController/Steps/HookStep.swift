import Foundation
import SandcastleCore

/// Step "hooks": reads the seed and verify Jobs of the head commit and turns them into the
/// `sandcastle/seed` and `sandcastle/verify` commit statuses.
struct HookStep {
    let dependencies: ControllerDependencies

    /// The stage rows for the comment and whether a Job is still running.
    struct Result: Sendable {
        var stages: [PreviewComment.Stage]
        var running: Bool
    }

    func run(_ key: PreviewKey, sha: String, settings: PreviewSettings) async -> Result {
        let configured: [HookResult.Stage] = [settings.hooks.seed.map { _ in .seed }, settings.hooks.verify.map { _ in .verify }].compactMap { $0 }
        guard !configured.isEmpty else { return Result(stages: [], running: false) }
        let observed = (try? await dependencies.sink.hookResults(key, sha: sha)) ?? []
        var stages: [PreviewComment.Stage] = []
        var running = false
        for stage in configured {
            let context = stage.context
            guard let result = observed.first(where: { $0.stage == stage }) else {
                // A sink that runs no Jobs (the directory sink) cannot report them; say so honestly.
                stages.append(.init(context: context, state: .pending, description: "Job submitted; its result is not observable from this sink"))
                continue
            }
            switch result.state {
            case .running:
                running = true
                stages.append(.init(context: context, state: .pending, description: result.detail))
            case .succeeded: stages.append(.init(context: context, state: .success, description: result.detail))
            case .failed: stages.append(.init(context: context, state: .failure, description: result.detail))
            }
        }
        return Result(stages: stages, running: running)
    }
}
