import Foundation

/// Polls `condition` (real time, every 20 ms) until it holds or `seconds` have passed; returns
/// whether it held. No fixed sleeps: a loaded machine only makes a test slower.
public func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
