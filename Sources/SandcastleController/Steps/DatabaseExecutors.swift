import Foundation
import SandcastleCore

/// `.provisionDatabase`: ensures the preview's database and adds its Secret to the rendered set.
struct ProvisionDatabaseExecutor: StepExecutor {
    let dependencies: ControllerDependencies

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let preview = try await DatabaseStep(dependencies: dependencies).run(try run.renderedPreview(), settings: run.settings)
        run.rendered?.preview = preview
        run.facts.render = RenderSummary(sha: preview.sha, contentHash: preview.contentHash, hooks: preview.hooks.map(\.spec))
        run.facts.database = .provisioned
        return false
    }
}

/// `.dropDatabase`: drops the preview's database (teardown, once the namespace is gone).
struct DropDatabaseExecutor: StepExecutor {
    let dependencies: ControllerDependencies

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        try await DatabaseStep(dependencies: dependencies).drop(run.key, settings: run.settings)
        run.facts.database = .dropped
        return false
    }
}
