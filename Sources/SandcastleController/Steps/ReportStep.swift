import Foundation
import SandcastleCore

/// Step "reporting": commit statuses, the GitHub Deployment and the sticky comment, all from one
/// ``ForgeReport``. Every call is an upsert, so a report repeated after a crash says the same once.
struct ReportStep {
    let dependencies: ControllerDependencies
    /// Shows a refusal (and its end) on the dashboard.
    let feed: DashboardFeed

    private var reporter: any StatusReporter { dependencies.reporter }

    /// Tells the forge everything `report` says: the statuses, the Deployment, the comment.
    func send(_ report: ForgeReport) async throws {
        let key = report.key
        if let status = report.deployStatus { try await reporter.setStatus(status, on: report.sha, of: key) }
        if case .failed(let why, let context, _) = report.kind, context != .deploy {
            try await reporter.setStatus(CommitStatus(context: context, state: .failure, description: why), on: report.sha, of: key)
        }
        for stage in report.hooks {
            try await reporter.setStatus(
                CommitStatus(context: stage.context, state: stage.state, description: stage.description), on: report.sha, of: key)
        }
        try await reporter.reportDeployment(report.deployment, of: key)
        try await upsertComment(report.comment)
    }

    /// Upserts the sticky comment. A comment the forge refuses outright (a 4xx such as 422) is not
    /// retried until it changes: the refusal is logged once and recorded on the preview's
    /// environment and dashboard record; anything else is thrown and retried.
    private func upsertComment(_ comment: PreviewComment) async throws {
        let deps = dependencies
        let key = comment.key
        do {
            try await reporter.upsertComment(comment)
            if deps.memory.refusal(key) != nil {
                deps.memory.setRefusal(key, nil)
                feed.refused(key, problem: nil)
                try? await deps.sink.store.recordReportingProblem(key, problem: nil)
            }
        } catch let error as any ForgeRefusal {
            guard let refusal = error.permanentRefusal else { throw error }
            let problem = "GitHub refused the sticky comment: \(refusal)"
            guard deps.memory.refusal(key) != problem else { return }
            deps.logger.error(
                "the sticky comment was refused; not retried until it changes",
                metadata: ["repository": "\(key.repository)", "pr": "\(key.number)", "error": "\(refusal)"])
            deps.memory.setRefusal(key, problem)
            feed.refused(key, problem: problem)
            do {
                try await deps.sink.store.recordReportingProblem(key, problem: problem)
            } catch {
                deps.logger.warning("recording the refused comment on the environment failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
