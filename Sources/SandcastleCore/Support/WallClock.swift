import Foundation

/// Wall-clock time and waiting, injectable so that tests can move time without sleeping.
public protocol WallClock: Sendable {
    var now: Date { get }
    /// Returns at `deadline` or later; throws when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) }
    }
}
