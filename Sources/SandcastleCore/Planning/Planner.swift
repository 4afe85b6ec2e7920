import Foundation

/// The pure heart of Sandcastle: compares what should exist with what does and lists the steps.
///
/// Safety rules encoded here:
/// - an unavailable observation (of the sink or of a PR) never yields a teardown or a create;
/// - a teardown needs a per-PR read (``PullRequestObservation/read(_:)``) showing the PR closed or
///   ineligible; absence from a listing or a 404 only asks for that read;
/// - if more than max(3, 20% of live) previews would be deleted without per-PR confirmation, the
///   pass halts: no teardown at all, and a ``BreakerTrip`` says why;
/// - an unchanged content hash is never re-applied; running previews are never evicted by the cap.
public enum Planner {
    /// Plans one pass. `now` is the only clock.
    ///
    /// - Parameters:
    ///   - scope: the keys this pass decides (a per-PR reconcile passes its own key). Live
    ///     environments outside it still hold their slots under the cap but are neither torn down
    ///     nor counted by the breaker; `nil` decides every key.
    ///   - waiting: PRs known to wait for a slot that are not in `desired`; they keep their place
    ///     in the queue, so a later PR cannot overtake them.
    public static func plan(
        desired: DesiredState, observed: ObservedState, now: Date, scope: Set<PreviewKey>? = nil, waiting: [AdmissionQueue.Candidate] = []
    ) -> [Action] {
        guard case .environments(let environments) = observed else {
            if case .unavailable(let why) = observed {
                return desired.previews.map(\.key).sorted().map { .hold($0, .inconclusive("the sink could not be read: \(why)")) }
            }
            return []
        }
        let live = Dictionary(environments.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = Dictionary(desired.previews.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })

        var actions: [PreviewKey: [Action]] = [:]
        var unconfirmed: [PreviewKey] = []
        var candidates: [RepositoryName: [AdmissionQueue.Candidate]] = [:]
        var renders: [PreviewKey: RenderSummary] = [:]
        var caps: [RepositoryName: Int] = [:]

        for key in Set(live.keys).union(wanted.keys).sorted() {
            if let scope, !scope.contains(key) { continue }
            let environment = live[key]
            guard let preview = wanted[key] else {
                unconfirmed.append(key)
                continue
            }
            caps[key.repository] = preview.settings.maxConcurrent
            switch preview.observation {
            case .unavailable(let why):
                actions[key] = [.hold(key, .inconclusive(why))]
            case .notListed, .notFound:
                if environment != nil { unconfirmed.append(key) }
            case .listed(let pr), .read(let pr):
                let confirmed: Bool = if case .read = preview.observation { true } else { false }
                let decision = Policy.evaluate(pr, settings: preview.settings, now: now)
                switch decision.eligibility {
                case .undetermined(let why):
                    actions[key] = [.hold(key, .undetermined(why))]
                case .ineligible(let reason):
                    guard environment != nil else { continue }
                    if confirmed { actions[key] = [.teardown(key, reason)] } else { unconfirmed.append(key) }
                case .eligible:
                    guard let render = preview.render, render.sha == pr.headSHA else {
                        actions[key] = [.hold(key, .notRendered)]
                        continue
                    }
                    var steps: [Action] = []
                    if let environment {
                        steps.append(
                            environment.contentHash == render.contentHash
                                ? .report(key, .upToDate(sha: render.sha))
                                : .update(key, render, previousHash: environment.contentHash))
                    } else {
                        candidates[key.repository, default: []].append(AdmissionQueue.Candidate(key: key, since: pr.createdAt))
                        renders[key] = render
                    }
                    if decision.pinned { steps.append(.report(key, .pinned(until: decision.expiresAt))) }
                    if now >= decision.warnFrom { steps.append(.report(key, .expiryWarning(at: decision.expiresAt))) }
                    actions[key, default: []] += steps
                }
            }
        }

        var halt: [Action] = []
        let limit = max(3, environments.count / 5)
        if unconfirmed.count > limit {
            halt = [.halt(BreakerTrip(unconfirmed: unconfirmed.count, live: environments.count, limit: limit))]
            for key in actions.keys {
                actions[key] = actions[key]?.map { if case .teardown = $0 { .hold(key, .breakerTripped) } else { $0 } }
            }
            for key in unconfirmed { actions[key] = [.hold(key, .breakerTripped)] }
        } else {
            for key in unconfirmed { actions[key] = [.hold(key, .awaitingConfirmation)] }
        }

        for other in waiting where wanted[other.key] == nil && live[other.key] == nil {
            candidates[other.key.repository, default: []].append(other)
        }
        for (repository, waiting) in candidates {
            let leaving = actions.values.joined().filter { if case .teardown(let k, _) = $0 { k.repository == repository } else { false } }.count
            let running = live.keys.filter { $0.repository == repository }.count - leaving
            let outcome = AdmissionQueue.admit(waiting, running: running, cap: caps[repository] ?? 1)
            for key in outcome.admitted where renders[key] != nil { actions[key, default: []].insert(.create(key, renders[key]!), at: 0) }
            for entry in outcome.waiting where renders[entry.key] != nil {
                actions[entry.key, default: []].insert(.hold(entry.key, .queued(position: entry.position, of: outcome.waiting.count)), at: 0)
            }
        }
        return halt + actions.keys.sorted().flatMap { actions[$0] ?? [] }
    }
}
