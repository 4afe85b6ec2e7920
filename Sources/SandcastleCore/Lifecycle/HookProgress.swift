import Foundation

/// Where the seed and verify Jobs of a ready preview stand, and which one to start now. Pure.
///
/// The order: the seed Job starts once the preview is ready; the verify Job once the seed Job
/// succeeded (or, without a seed, once the preview is ready), after the verify delay. A failed
/// seed skips verify. The Jobs are named for the head commit, so a new commit runs both again.
public enum HookProgress {
    public struct Outcome: Sendable, Hashable {
        /// One row per hook: the `sandcastle/seed` and `sandcastle/verify` statuses.
        public var stages: [PreviewComment.Stage] = []
        /// The last output of each failed hook, for the comment.
        public var outputs: [PreviewComment.HookOutput] = []
        /// The hook Job to create now.
        public var start: HookSpec?
        /// Look again after this (a hook is running, or a delay has not passed).
        public var recheck: Duration?
    }

    /// How often a running hook is looked at while no watch event arrives.
    public static let runningRecheck: Duration = .seconds(30)

    public static func evaluate(
        _ hooks: [HookSpec], observed: [HookResult], observable: Bool, readySince: Date?, namespace: String, now: Date
    ) -> Outcome {
        var outcome = Outcome()
        let ordered = HookResult.Stage.allCases.compactMap { stage in hooks.first { $0.stage == stage } }
        guard observable else {
            outcome.stages = ordered.map {
                .init(
                    context: $0.stage.context, state: .pending,
                    description: "Job \($0.job) written with the preview; its result is not observable from this sink")
            }
            return outcome
        }
        var previousDone: Date? = readySince ?? now
        var blockedBy: String?
        for spec in ordered {
            let context = spec.stage.context
            if let blockedBy {
                outcome.stages.append(.init(context: context, state: .error, description: "skipped: \(blockedBy)"))
                continue
            }
            guard let after = previousDone else {
                outcome.stages.append(.init(context: context, state: .pending, description: "waits for the seed Job"))
                continue
            }
            guard let result = observed.first(where: { $0.stage == spec.stage && ($0.job.isEmpty || $0.job == spec.job) }) else {
                let due = after.addingTimeInterval(TimeInterval(spec.delay?.seconds ?? 0))
                if now >= due {
                    outcome.start = outcome.start ?? spec
                    outcome.stages.append(.init(context: context, state: .pending, description: "starting Job \(spec.job)"))
                } else {
                    let left = due.timeIntervalSince(now)
                    outcome.stages.append(
                        .init(context: context, state: .pending, description: "starts at \(clock(due)) (delay \(spec.delay?.description ?? ""))"))
                    outcome.recheck = min(outcome.recheck ?? .seconds(3600), .seconds(Int(left.rounded(.up))))
                }
                previousDone = nil
                continue
            }
            switch result.state {
            case .running:
                let elapsed = result.startedAt.map { now.timeIntervalSince($0) } ?? 0
                outcome.stages.append(.init(context: context, state: .pending, description: "running for \(minutes(elapsed)) (Job \(spec.job))"))
                outcome.recheck = min(outcome.recheck ?? runningRecheck, runningRecheck)
                previousDone = nil
            case .succeeded:
                let took = zip(result.startedAt, result.finishedAt).map { " in " + seconds($1.timeIntervalSince($0)) } ?? ""
                outcome.stages.append(.init(context: context, state: .success, description: "passed\(took) (Job \(spec.job))"))
                previousDone = result.finishedAt ?? now
            case .failed:
                // The Job first (a status description is cut at 140 characters), then the reason and
                // the output's last line: what a reviewer reads first.
                let last = result.output.flatMap(lastLine).map { ": \($0)" } ?? ""
                outcome.stages.append(.init(context: context, state: .failure, description: "job/\(spec.job) \(result.detail)\(last)"))
                if let output = result.output, !output.isEmpty {
                    outcome.outputs.append(.init(stage: spec.stage.rawValue, job: spec.job, namespace: namespace, text: output))
                }
                blockedBy = "the \(spec.stage.rawValue) Job failed"
            }
        }
        return outcome
    }

    /// The last non-empty line of a hook's output, one line, control characters removed, at most 80 characters.
    static func lastLine(_ output: String) -> String? {
        guard let line = output.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return nil }
        let clean = String(String.UnicodeScalarView(line.unicodeScalars.filter { $0.properties.generalCategory != .control }))
            .trimmingCharacters(in: .whitespaces)
        return clean.count > 80 ? String(clean.prefix(79)) + "…" : clean
    }

    /// Whole minutes, so a running hook's row changes (and GitHub hears of it) at most once a minute.
    static func minutes(_ seconds: TimeInterval) -> String {
        seconds < 60 ? "less than a minute" : Int(seconds / 60) == 1 ? "1 min" : "\(Int(seconds / 60)) min"
    }

    static func seconds(_ value: TimeInterval) -> String { value < 120 ? "\(max(0, Int(value.rounded()))) s" : "\(Int(value / 60)) min" }

    /// `HH:MM:SS UTC` of `date`.
    public static func clock(_ date: Date) -> String {
        let text = RFC3339.string(date)
        guard let t = text.firstIndex(of: "T") else { return text }
        return String(text[text.index(after: t)...].prefix(8)) + " UTC"
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
