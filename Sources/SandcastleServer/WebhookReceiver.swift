import Foundation
import SandcastleCore

/// What became of one webhook delivery; also the label of the deliveries metric.
public enum WebhookOutcome: String, Sendable, CaseIterable {
    case enqueued, coalesced, duplicate, pong, ignored, unauthorized, malformed, tooLarge = "too_large", queueFull = "queue_full"
    /// The body did not arrive within the read deadline.
    case timeout
    /// Too many unauthenticated bytes were being read at once; retry later.
    case busy

    /// Whether the request proved it came from GitHub (a valid signature).
    public var isAuthenticated: Bool { ![.unauthorized, .tooLarge, .timeout, .busy, .malformed].contains(self) }
}

/// The receiver's answer: an HTTP status, a short message and the outcome.
public struct WebhookReply: Sendable, Equatable {
    public var status: Int
    public var message: String
    public var outcome: WebhookOutcome
    /// The preview the event concerns, when there is one.
    public var key: PreviewKey?
}

/// Handles GitHub webhook deliveries: the signature is checked over the raw body before anything
/// is parsed, duplicates are dropped, and events become reconcile keys on a bounded queue. Never
/// waits on anything downstream.
public final class WebhookReceiver: Sendable {
    /// Larger bodies are refused (GitHub caps payloads at 25 MB; PR events are far smaller).
    public let maxBodyBytes: Int
    private let signature: WebhookSignature
    private let enqueue: @Sendable (PreviewKey) -> BoundedKeyQueue.Offer
    private let deliveries: DeliveryLog
    private let accepts: @Sendable (RepositoryName) -> Bool
    /// The previews whose head is a commit (for commit status events, which name no PR).
    private let previewsAt: @Sendable (RepositoryName, String) -> [PreviewKey]
    private let counts = LockedValue([WebhookOutcome: Int]())
    private let observe: @Sendable (WebhookReply, String?) -> Void
    /// Limits of reading bodies before they are authenticated (``WebhookIntake``).
    public let intakeLimits: WebhookIntake.Limits
    /// The bytes of unauthenticated bodies being read now, all requests together.
    public let intakeBudget: ByteBudget
    /// The bytes reserved by large bodies (announced over ``WebhookIntake/Limits/largeBodyThreshold``).
    public let largeBodyBudget: ByteBudget

    /// - Parameters:
    ///   - secret: the webhook secret deliveries are signed with.
    ///   - accepts: whether a repository is configured; events of others are ignored.
    public convenience init(
        secret: String, queue: BoundedKeyQueue, deliveries: DeliveryLog = DeliveryLog(), maxBodyBytes: Int = 5 * 1024 * 1024,
        accepts: @escaping @Sendable (RepositoryName) -> Bool = { _ in true }
    ) {
        self.init(secret: secret, enqueue: { queue.offer($0) }, deliveries: deliveries, maxBodyBytes: maxBodyBytes, accepts: accepts)
    }

    /// A receiver that hands keys to `enqueue` (the controller's work queue), which must not wait.
    public init(
        secret: String, enqueue: @escaping @Sendable (PreviewKey) -> BoundedKeyQueue.Offer, deliveries: DeliveryLog = DeliveryLog(),
        maxBodyBytes: Int = 5 * 1024 * 1024, accepts: @escaping @Sendable (RepositoryName) -> Bool = { _ in true },
        intakeLimits: WebhookIntake.Limits = .init(), observe: @escaping @Sendable (WebhookReply, String?) -> Void = { _, _ in },
        previewsAt: @escaping @Sendable (RepositoryName, String) -> [PreviewKey] = { _, _ in [] }
    ) {
        self.previewsAt = previewsAt
        self.intakeLimits = intakeLimits
        self.intakeBudget = ByteBudget(limit: intakeLimits.unauthenticatedBytes)
        self.largeBodyBudget = ByteBudget(limit: intakeLimits.largeBodyBytes)
        self.signature = WebhookSignature(secret: Data(secret.utf8))
        self.enqueue = enqueue
        self.observe = observe
        self.deliveries = deliveries
        self.maxBodyBytes = maxBodyBytes
        self.accepts = accepts
    }

    /// A verifier for one streamed body (see ``receive(event:deliveryID:verified:body:)``).
    public func verifier() -> WebhookSignature.Verifier { signature.verifier() }

    /// Records a request refused before its body was complete (read deadline, busy).
    public func refuse(_ outcome: WebhookOutcome, status: Int, message: String) -> WebhookReply {
        let reply = WebhookReply(status: status, message: message, outcome: outcome)
        counts.withLock { $0[reply.outcome, default: 0] += 1 }
        observe(reply, nil)
        return reply
    }

    /// Handles one delivery whose signature was checked while its body streamed in.
    public func receive(event: String?, deliveryID: String?, verified: Bool, body: some DataProtocol) -> WebhookReply {
        let reply =
            verified
            ? decide(event: event, deliveryID: deliveryID, signatureHeader: nil, body: body, verified: true)
            : WebhookReply(status: 401, message: "missing or invalid X-Hub-Signature-256", outcome: .unauthorized)
        counts.withLock { $0[reply.outcome, default: 0] += 1 }
        // Nothing from an unauthenticated request is passed on to the log (not even its delivery id).
        observe(reply, reply.outcome.isAuthenticated ? deliveryID.map { String($0.prefix(64)) } : nil)
        return reply
    }

    /// Deliveries so far, by outcome.
    public var outcomes: [WebhookOutcome: Int] { counts.withLock { $0 } }

    /// Handles one delivery and reports it to `observe` (metrics, logs) with its delivery id.
    public func receive(event: String?, deliveryID: String?, signatureHeader: String?, body: some DataProtocol) -> WebhookReply {
        let reply = decide(event: event, deliveryID: deliveryID, signatureHeader: signatureHeader, body: body, verified: false)
        counts.withLock { $0[reply.outcome, default: 0] += 1 }
        observe(reply, reply.outcome.isAuthenticated ? deliveryID.map { String($0.prefix(64)) } : nil)
        return reply
    }

    /// Records a body refused for its size before it was read.
    public func refuseTooLarge() -> WebhookReply {
        let reply = WebhookReply(status: 413, message: "payload larger than \(maxBodyBytes) bytes", outcome: .tooLarge)
        counts.withLock { $0[reply.outcome, default: 0] += 1 }
        observe(reply, nil)
        return reply
    }

    private func decide(event: String?, deliveryID: String?, signatureHeader: String?, body: some DataProtocol, verified: Bool) -> WebhookReply {
        guard body.count <= maxBodyBytes else {
            return WebhookReply(status: 413, message: "payload larger than \(maxBodyBytes) bytes", outcome: .tooLarge)
        }
        guard verified || signature.isValid(header: signatureHeader, body: body) else {
            return WebhookReply(status: 401, message: "missing or invalid X-Hub-Signature-256", outcome: .unauthorized)
        }
        guard let event, !event.isEmpty else { return WebhookReply(status: 400, message: "missing X-GitHub-Event", outcome: .malformed) }
        guard let deliveryID, !deliveryID.isEmpty, deliveryID.count <= 128 else {
            return WebhookReply(status: 400, message: "missing X-GitHub-Delivery", outcome: .malformed)
        }
        guard deliveries.claim(deliveryID) else {
            return WebhookReply(status: 200, message: "duplicate delivery \(deliveryID) ignored", outcome: .duplicate)
        }
        let decoded: WebhookEvent
        do {
            decoded = try WebhookDecoder.decode(event: event, body: Data(body))
        } catch {
            return WebhookReply(status: 400, message: error.description, outcome: .malformed)
        }
        switch decoded {
        case .ping:
            return WebhookReply(status: 200, message: "pong", outcome: .pong)
        case .ignored, .issueComment:
            return WebhookReply(status: 202, message: "\(event) ignored", outcome: .ignored)
        case .pullRequestComment(let action, _, _, let body) where action != "created" || PreviewCommand.parse(body) == nil:
            // Conversation, and the bot's own comment edits: nothing to do, no request to GitHub.
            return WebhookReply(status: 202, message: "comment is not a /sandcastle command; ignored", outcome: .ignored)
        case .commitChecks(let repository, let sha, let numbers):
            guard accepts(repository) else { return WebhookReply(status: 202, message: "repository not configured; ignored", outcome: .ignored) }
            // Check events name their PRs; a commit status names only the commit.
            var keys = numbers.map { PreviewKey(repository: repository, number: $0) }
            if keys.isEmpty { keys = previewsAt(repository, sha) }
            guard !keys.isEmpty else { return WebhookReply(status: 202, message: "no preview at \(sha.prefix(12)); ignored", outcome: .ignored) }
            for key in keys where enqueue(key) == .full {
                deliveries.release(deliveryID)
                return WebhookReply(status: 503, message: "reconcile queue full; redeliver later", outcome: .queueFull, key: key)
            }
            return WebhookReply(
                status: 202, message: "queued \(keys.map(\.description).joined(separator: ", "))", outcome: .enqueued, key: keys.first)
        case .pullRequest, .pullRequestComment:
            guard let key = decoded.previewKey, accepts(key.repository) else {
                return WebhookReply(status: 202, message: "repository not configured; ignored", outcome: .ignored, key: decoded.previewKey)
            }
            switch enqueue(key) {
            case .enqueued: return WebhookReply(status: 202, message: "queued \(key)", outcome: .enqueued, key: key)
            case .coalesced: return WebhookReply(status: 202, message: "\(key) already queued", outcome: .coalesced, key: key)
            case .full:
                deliveries.release(deliveryID)  // a redelivery must be able to succeed
                return WebhookReply(status: 503, message: "reconcile queue full; redeliver later", outcome: .queueFull, key: key)
            }
        }
    }
}
