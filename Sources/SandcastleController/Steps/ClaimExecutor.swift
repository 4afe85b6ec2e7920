import Foundation
import SandcastleCore

/// `.claim`: admission is checked again and the namespace claimed in the repository's turn, so
/// two PRs admitted at the same moment cannot both take the last slot. The decision is Core's
/// (``AdmissionQueue/decide(_:running:waiting:cap:exact:)``); this only counts and claims.
struct ClaimExecutor: StepExecutor {
    let reconciler: Reconciler

    func execute(_ run: inout Reconciler.Run) async throws(StepError) -> Bool {
        let preview = try run.renderedPreview().preview
        guard case .read(let pr) = run.facts.pullRequest else { throw StepError(.transient, "claiming needs a per-PR read") }
        let key = run.key
        let store = reconciler.dependencies.sink.store
        let claims = reconciler.claimsMade
        let candidate = AdmissionQueue.Candidate(key: key, since: pr.createdAt)
        let cap = run.settings.maxConcurrent
        let observed = (live: run.facts.othersLive, waiting: run.facts.waiting, claims: run.claimsAtObservation)
        let result: (decision: AdmissionQueue.Decision, live: Int, waiting: [AdmissionQueue.Candidate])
        do {
            result = try await reconciler.admissions.inTurn(key.repository) {
                // At most the environments observed plus those claimed since (only the leader claims).
                let claimedSince = claims.withLock { $0[key.repository, default: 0] } - observed.claims
                var live = observed.live + claimedSince
                var waiting = observed.waiting
                var decision = AdmissionQueue.decide(candidate, running: live, waiting: waiting, cap: cap, exact: false)
                if decision == .recount {
                    waiting = try await store.waiting(in: key.repository).map(\.candidate).filter { $0.key != key }
                    live = try await store.environments(in: key.repository).filter { $0.key != key }.count
                    decision = AdmissionQueue.decide(candidate, running: live, waiting: waiting, cap: cap, exact: true)
                }
                if decision == .admit {
                    try await store.claim(preview)
                    claims.withLock { $0[key.repository, default: 0] += 1 }
                }
                return (decision, live, waiting)
            }
        } catch {
            throw StepError(error, doing: "claiming namespace \(preview.names.namespace)")
        }
        if result.decision == .admit {
            run.facts.claimed = true
            run.facts.environment = try await reconciler.reobserve(key)
        } else {
            // Another PR took the slot first: the planner queues this one.
            run.facts.othersLive = result.live
            run.facts.waiting = Reconciler.earliest(result.waiting, except: key)
        }
        return false
    }
}
