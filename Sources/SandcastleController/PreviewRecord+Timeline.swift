import Foundation
import SandcastleCore

/// One stage of a preview's way to Ready for its head commit, as this replica observed it.
public struct StageTiming: Sendable, Hashable, Codable {
    /// The stages in the order a preview goes through them.
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable {
        case queued, apply, rollout, seed, verify, ready
    }

    public enum State: String, Sendable, Hashable, Codable { case running, done, failed }

    public var name: Name
    public var state: State
    public var startedAt: Date
    public var finishedAt: Date?

    /// Seconds from start to finish (or to `now` while running).
    public func seconds(now: Date) -> TimeInterval { max(0, (finishedAt ?? now).timeIntervalSince(startedAt)) }
}

/// Something that happened to a preview, shown in the dashboard's "last events".
public struct PreviewEvent: Sendable, Hashable, Codable {
    public var at: Date
    public var text: String
}

extension PreviewRecord {
    /// How many events a record keeps.
    public static let eventLimit = 5

    /// Starts the timeline of head commit `sha`: stages of an older commit are dropped (a queued
    /// stage still running is kept: the wait was for this PR, whatever its commit).
    public mutating func startHead(_ sha: String, at time: Date) {
        if self.sha != sha { stages.removeAll { $0.name != .queued || $0.state != .running } }
        self.sha = sha
    }

    /// Marks `stage` running from `time`, unless it already runs.
    public mutating func begin(_ stage: StageTiming.Name, at time: Date) {
        if let index = stages.firstIndex(where: { $0.name == stage }) {
            if stages[index].state == .running { return }
            stages.remove(at: index)
        }
        stages.append(StageTiming(name: stage, state: .running, startedAt: time))
        stages.sort { StageTiming.Name.allCases.firstIndex(of: $0.name)! < StageTiming.Name.allCases.firstIndex(of: $1.name)! }
    }

    /// Marks `stage` finished at `time` (started at `since`, or now, when it was not running).
    public mutating func finish(_ stage: StageTiming.Name, at time: Date, since: Date? = nil, failed: Bool = false) {
        if let index = stages.firstIndex(where: { $0.name == stage }) {
            guard stages[index].state == .running else { return }
            stages[index].state = failed ? .failed : .done
            stages[index].finishedAt = time
        } else {
            begin(stage, at: since ?? time)
            finish(stage, at: time, failed: failed)
        }
    }

    /// Adds an event, keeping the last ``eventLimit``; a repeat of the latest text is not added.
    public mutating func note(_ text: String, at time: Date) {
        guard events.last?.text != text else { return }
        events.append(PreviewEvent(at: time, text: text))
        if events.count > Self.eventLimit { events.removeFirst(events.count - Self.eventLimit) }
    }

    /// The repository's web address, from the PR's.
    public var repositoryURL: String {
        guard let range = pullRequestURL.range(of: "/pull/", options: .backwards) else { return pullRequestURL }
        return String(pullRequestURL[..<range.lowerBound])
    }

    /// The head commit's page, when the head is known.
    public var commitURL: String? { sha.map { "\(repositoryURL)/commit/\($0)" } }

    /// The PR's checks tab (Sandcastle's statuses among them).
    public var checksURL: String { pullRequestURL + "/checks" }
}
