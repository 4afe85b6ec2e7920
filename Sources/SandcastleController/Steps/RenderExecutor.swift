import Foundation
import SandcastleCore

/// `.render`: checks out the head commit and renders it; an image not pushed yet becomes a wait.
struct RenderExecutor: StepExecutor {
    let reconciler: Reconciler

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        guard case .read(let pr) = run.facts.pullRequest else { throw StepError(.transient, "rendering needs a per-PR read") }
        let rendered: RenderStep.Result
        do {
            rendered = try await RenderStep(dependencies: reconciler.dependencies).run(pr, settings: run.settings)
        } catch let error where error.waitingForImage != nil {
            run.facts.imageWait = ImageWait(sha: pr.headSHA, image: error.waitingForImage ?? "", since: pr.lastActivityAt)
            return false
        }
        run.facts.imageWait = nil
        run.rendered = rendered
        run.facts.render = RenderSummary(sha: pr.headSHA, contentHash: rendered.preview.contentHash, hooks: rendered.preview.hooks.map(\.spec))
        return false
    }
}
