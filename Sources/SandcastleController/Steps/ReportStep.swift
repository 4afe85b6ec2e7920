import Foundation
import SandcastleCore

/// Step "reporting": commit statuses, the GitHub Deployment and the sticky comment. Every call is
/// an upsert, so a reconcile repeated after a crash reports the same things once.
struct ReportStep {
    let dependencies: ControllerDependencies

    private var reporter: any StatusReporter { dependencies.reporter }

    func deploying(_ pr: PullRequestSnapshot, url: String) async throws {
        try await reporter.setStatus(
            CommitStatus(context: .deploy, state: .pending, description: "Deploying \(pr.headSHA.prefix(7))", targetURL: nil), on: pr.headSHA,
            of: pr.key)
        try await reporter.reportDeployment(
            DeploymentUpdate(state: .inProgress, sha: pr.headSHA, environment: DeploymentUpdate.defaultEnvironment(for: pr.key)), of: pr.key)
    }

    func ready(_ pr: PullRequestSnapshot, url: String, hooks: [PreviewComment.Stage], expiresAt: Date, notice: String?) async throws {
        try await reporter.setStatus(
            CommitStatus(context: .deploy, state: .success, description: "Ready at \(url)", targetURL: url), on: pr.headSHA, of: pr.key)
        for stage in hooks {
            try await reporter.setStatus(
                CommitStatus(context: stage.context, state: stage.state, description: stage.description), on: pr.headSHA, of: pr.key)
        }
        try await reporter.reportDeployment(
            DeploymentUpdate(
                state: .success, sha: pr.headSHA, environment: DeploymentUpdate.defaultEnvironment(for: pr.key), environmentURL: url,
                description: "Preview ready"), of: pr.key)
        var comment = PreviewComment(
            key: pr.key, url: url, sha: pr.headSHA,
            stages: [.init(context: .deploy, state: .success, description: "Ready")] + hooks, expiresAt: expiresAt)
        comment.notice = notice
        try await upsertComment(comment)
    }

    func failed(_ pr: PullRequestSnapshot, message full: String, context: CommitStatus.Context = .deploy) async throws {
        // A render error is a summary line and one line per problem: the problems are listed apart.
        let lines = full.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let message = lines.first ?? full
        if context != .deploy {
            try await reporter.setStatus(CommitStatus(context: context, state: .failure, description: message), on: pr.headSHA, of: pr.key)
        }
        try await reporter.setStatus(CommitStatus(context: .deploy, state: .failure, description: message), on: pr.headSHA, of: pr.key)
        try await reporter.reportDeployment(
            DeploymentUpdate(
                state: .failure, sha: pr.headSHA, environment: DeploymentUpdate.defaultEnvironment(for: pr.key), description: message), of: pr.key)
        var stages: [PreviewComment.Stage] = [.init(context: .deploy, state: .failure, description: message)]
        if context != .deploy { stages.append(.init(context: context, state: .failure, description: message)) }
        var comment = PreviewComment(key: pr.key, url: nil, sha: pr.headSHA, stages: stages)
        comment.problems = Array(lines.dropFirst())
        try await upsertComment(comment)
    }

    func queued(_ pr: PullRequestSnapshot, position: Int, of total: Int) async throws {
        try await reporter.setStatus(
            CommitStatus(context: .deploy, state: .pending, description: "Queued: position \(position) of \(total) for a free preview slot"),
            on: pr.headSHA, of: pr.key)
        try await upsertComment(
            PreviewComment(
                key: pr.key, url: nil, sha: pr.headSHA, stages: [.init(context: .deploy, state: .pending, description: "Queued")],
                queuePosition: position))
    }

    func tornDown(_ key: PreviewKey, sha: String, reason: String, namespace: String, at: Date) async throws {
        try await reporter.reportDeployment(
            DeploymentUpdate(state: .inactive, sha: sha, environment: DeploymentUpdate.defaultEnvironment(for: key), description: "Preview removed"),
            of: key)
        try await upsertComment(
            PreviewComment(
                key: key, url: nil, sha: sha,
                teardown: PreviewComment.TeardownReceipt(at: at, reason: reason, namespace: namespace, confirmedGone: true)))
    }

    /// Upserts the sticky comment. A comment the forge refuses outright (a 4xx such as 422) is not
    /// retried until it changes: the refusal is logged once and recorded on the preview's
    /// environment and dashboard record; anything else is thrown and retried.
    private func upsertComment(_ comment: PreviewComment) async throws {
        let deps = dependencies
        let key = comment.key
        do {
            try await reporter.upsertComment(comment)
            if deps.book.record(key)?.reportingProblem != nil {
                deps.book.update(key, now: deps.clock.now) { $0.reportingProblem = nil }
                try? await deps.sink.recordReportingProblem(key, problem: nil)
            }
        } catch let error as any ForgeRefusal {
            guard let refusal = error.permanentRefusal else { throw error }
            let problem = "GitHub refused the sticky comment: \(refusal)"
            guard deps.book.record(key)?.reportingProblem != problem else { return }
            deps.logger.error(
                "the sticky comment was refused; not retried until it changes",
                metadata: ["repository": "\(key.repository)", "pr": "\(key.number)", "error": "\(refusal)"])
            if deps.book.record(key) != nil {
                deps.book.update(key, now: deps.clock.now) {
                    $0.reportingProblem = problem
                    $0.note(problem, at: deps.clock.now)
                }
            }
            do {
                try await deps.sink.recordReportingProblem(key, problem: problem)
            } catch {
                deps.logger.warning("recording the refused comment on the environment failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
