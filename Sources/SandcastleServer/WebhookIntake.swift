import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SandcastleCore

/// Reads one webhook body as an unauthenticated request must be read: the HMAC is computed while
/// the body streams in (nothing is parsed before it matches), the body must arrive within a read
/// deadline, and all bodies being read at once share a byte budget, so slow or large uploads from
/// anyone cannot hold the controller's memory. Genuine deliveries are small and quick.
public enum WebhookIntake {
    /// Limits of the webhook listener.
    public struct Limits: Sendable {
        /// A body must be complete this long after the request arrived.
        public var readDeadline: Duration = .seconds(10)
        /// Bytes of not yet authenticated bodies buffered at once, all requests together, counted
        /// as they arrive (GitHub's pull-request payloads are tens of kilobytes).
        public var unauthenticatedBytes = 16 << 20
        /// Bodies announcing more than this reserve their whole length up front, from a budget of
        /// their own (``largeBodyBytes``): refused at once when it is taken, never read in vain,
        /// and never in the way of ordinary deliveries.
        public var largeBodyThreshold = 1 << 20
        public var largeBodyBytes = 16 << 20

        public init() {}
    }

    /// Receives the delivery in `request` with `receiver`.
    public static func receive(_ request: Request, receiver: WebhookReceiver) async -> WebhookReply {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > receiver.maxBodyBytes {
            return receiver.refuseTooLarge()
        }
        let headers = request.headers
        let budget = receiver.intakeBudget
        let limits = receiver.intakeLimits
        // An announced length is reserved whole before a byte is read: over budget, the request is
        // refused at once instead of being read and thrown away.
        let announced = request.headers[.contentLength].flatMap(Int.init)
        let large = announced.map { $0 > limits.largeBodyThreshold } ?? false
        if large, let announced, !receiver.largeBodyBudget.reserve(announced) {
            return receiver.refuse(.busy, status: 503, message: "too many large webhook bodies are being read; redeliver later")
        }
        let largeBudget = receiver.largeBodyBudget
        // Events Sandcastle ignores are not kept: their body only feeds the signature check.
        let keep = WebhookDecoder.handledEvents.contains(headers[WebhookHeader.event] ?? "")
        // The body is read in a child task and a timer races it: at the deadline the reader is
        // cancelled (the body stream ends on cancellation), so no slow upload holds the handler,
        // and nothing outlives the request.
        let result = await withTaskGroup(of: BodyRead.self) { group -> BodyRead in
            group.addTask {
                var verifier = receiver.verifier()
                var buffer = ByteBuffer()
                if keep { buffer.reserveCapacity(min(announced ?? 0, receiver.maxBodyBytes)) }
                var reserved = large ? announced ?? 0 : 0
                var read = 0
                defer {
                    if large {
                        largeBudget.release(announced ?? 0)
                        MemoryReturn.afterLargeBody()
                    } else {
                        budget.release(reserved)
                    }
                }
                do {
                    for try await chunk in request.body {
                        read += chunk.readableBytes
                        guard read <= receiver.maxBodyBytes else { return .tooLarge }
                        if read > reserved {
                            // Reserved as it comes (a large body longer than announced is refused).
                            guard !large, budget.reserve(read - reserved) else { return .busy }
                            reserved = read
                        }
                        verifier.update(chunk.readableBytesView)
                        if keep { buffer.writeImmutableBuffer(chunk) }
                    }
                    return Task.isCancelled ? .timeout : .complete(buffer, verifier)
                } catch {
                    return Task.isCancelled ? .timeout : .broken
                }
            }
            group.addTask {
                try? await Task.sleep(for: limits.readDeadline)
                return .timeout
            }
            let first = await group.next() ?? .timeout
            group.cancelAll()
            return first
        }
        switch result {
        case .complete(let body, let verifier):
            return receiver.receive(
                event: headers[WebhookHeader.event], deliveryID: headers[WebhookHeader.delivery],
                verified: verifier.isValid(header: headers[WebhookHeader.signature]), body: body.readableBytesView)
        case .tooLarge:
            return receiver.refuseTooLarge()
        case .busy:
            return receiver.refuse(.busy, status: 503, message: "too many webhook bodies are being read; redeliver later")
        case .timeout, .broken:
            return receiver.refuse(.timeout, status: 408, message: "the body did not arrive within the read deadline")
        }
    }

    enum BodyRead: Sendable {
        case complete(ByteBuffer, WebhookSignature.Verifier)
        case tooLarge, busy, timeout, broken
    }
}

/// Bytes of unauthenticated bodies held at once, shared by every request of one receiver.
public final class ByteBudget: Sendable {
    private let used = LockedValue(0)
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// Takes `bytes` from the budget; `false` (nothing taken) when that would exceed it.
    public func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    public func release(_ bytes: Int) { used.withLock { $0 -= bytes } }

    public var inUse: Int { used.withLock { $0 } }
}

/// Gives freed heap memory back to the system after large bodies (glibc keeps it otherwise, so a
/// burst of large unauthenticated uploads would leave the process big): at most every 2 s, and
/// once more 2 s after the last one.
enum MemoryReturn {
    private struct State {
        var last = ContinuousClock.now - .seconds(10)
        var trailing = false
    }

    private static let state = LockedValue(State())

    static func afterLargeBody() {
        #if os(Linux)
            let now = ContinuousClock.now
            let (due, scheduleTrailing) = state.withLock { state -> (Bool, Bool) in
                if now - state.last >= .seconds(2) {
                    state.last = now
                    return (true, false)
                }
                defer { state.trailing = true }
                return (false, !state.trailing)
            }
            if due { _ = sandcastleMallocTrim(0) }
            if scheduleTrailing {
                Task {
                    try? await Task.sleep(for: .seconds(2))
                    state.withLock {
                        $0.trailing = false
                        $0.last = ContinuousClock.now
                    }
                    _ = sandcastleMallocTrim(0)
                }
            }
        #endif
    }
}

#if os(Linux)
    /// glibc's `malloc_trim` (declared in `<malloc.h>`, which Swift's Glibc module does not export).
    @_silgen_name("malloc_trim")
    private func sandcastleMallocTrim(_ pad: Int) -> Int32
#endif

/// The headers GitHub sends with each delivery.
enum WebhookHeader {
    static let event = HTTPField.Name("X-GitHub-Event")!
    static let delivery = HTTPField.Name("X-GitHub-Delivery")!
    static let signature = HTTPField.Name("X-Hub-Signature-256")!
}
