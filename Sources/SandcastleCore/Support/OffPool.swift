import Foundation

/// Runs blocking work (a subprocess, a render that runs one) on a Dispatch thread, so a blocking
/// wait never holds one of Swift concurrency's few cooperative threads.
public func runOffPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
