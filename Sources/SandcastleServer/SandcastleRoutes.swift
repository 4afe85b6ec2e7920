import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SandcastleController
import SandcastleCore

/// The HTTP routes of the Sandcastle server: `POST /webhooks/github`, `GET /healthz`, `GET /readyz`,
/// and with a controller `GET /metrics`, the dashboard at `/` and `GET /api/previews`.
public enum SandcastleRoutes {
    /// What the controller shows over HTTP.
    public struct Views: Sendable {
        public var book: PreviewBook
        /// This replica's leadership, for `/readyz` and the dashboard's header.
        public var leadership: LeadershipMonitor?
        /// The Prometheus text exposition.
        public var metrics: @Sendable () -> String
        public var refreshSeconds: Int
        public var now: @Sendable () -> Date
        /// The lowest remaining GitHub rate limit, when known.
        public var githubRemaining: @Sendable () -> Int? = { nil }

        public init(
            book: PreviewBook, leadership: LeadershipMonitor? = nil, metrics: @escaping @Sendable () -> String, refreshSeconds: Int = 10,
            now: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.book = book
            self.leadership = leadership
            self.metrics = metrics
            self.refreshSeconds = refreshSeconds
            self.now = now
        }
    }

    /// Every route on one listener (tests, benchmarks): the webhook, probes, metrics, dashboard and
    /// JSON API. `sandcastle run` serves ``webhookRouter(receiver:views:)`` and
    /// ``adminRouter(views:)`` on two listeners instead, so only the webhook faces the internet.
    public static func router(receiver: WebhookReceiver, views: Views) -> Router<BasicRequestContext> {
        let router = webhookRouter(receiver: receiver, views: views)
        addAdmin(to: router, views: views)
        return router
    }

    /// The listener that faces GitHub: `POST /webhooks/github`, `/healthz` and `/readyz`.
    /// `/readyz` answers 200 while webhooks are accepted, and its body says whether this replica
    /// leads and, once leader election has failed for longer than the lease duration, why not.
    public static func webhookRouter(receiver: WebhookReceiver, views: Views) -> Router<BasicRequestContext> {
        let router = Router()
        addWebhook(to: router, receiver: receiver)
        router.get("/healthz") { _, _ in text(.ok, "ok") }
        router.get("/readyz") { _, _ in text(.ok, readiness(views.leadership)) }
        return router
    }

    /// The admin listener (`controller.adminListen`, loopback or cluster-internal): the dashboard at
    /// `/`, `GET /api/previews`, `GET /metrics` and `/healthz`.
    public static func adminRouter(views: Views) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in text(.ok, "ok") }
        addAdmin(to: router, views: views)
        return router
    }

    private static func addAdmin(to router: Router<BasicRequestContext>, views: Views) {
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: views.metrics())))
        }
        router.get("/") { _, _ in
            let now = views.now()
            let page = Dashboard.html(
                views.book.records,
                context: .init(
                    now: now, breaker: views.book.lastBreakerTrip, notLeading: views.leadership?.notLeadingReason,
                    timeToReady: views.book.timeToReady(now: now), githubRemaining: views.githubRemaining(), refreshSeconds: views.refreshSeconds))
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/api/previews") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: Dashboard.json(views.book.records))))
        }
    }

    /// A router serving the webhook receiver and the probes. `ready` answers `/readyz`.
    public static func router(
        receiver: WebhookReceiver, ready: @escaping @Sendable () async -> Bool = { true }
    ) -> Router<BasicRequestContext> {
        let router = Router()
        addWebhook(to: router, receiver: receiver)
        router.get("/healthz") { _, _ in text(.ok, "ok") }
        router.get("/readyz") { _, _ in await ready() ? text(.ok, "ready") : text(.serviceUnavailable, "not ready") }
        return router
    }

    /// `/readyz`'s body: ready, and what this replica knows about its leadership.
    static func readiness(_ leadership: LeadershipMonitor?) -> String {
        guard let leadership else { return "ready" }
        if let problem = leadership.readinessProblem { return "ready (accepting webhooks)\nnot leading: \(problem)" }
        if let reason = leadership.notLeadingReason { return "ready (accepting webhooks)\nnot leading: \(reason)" }
        return leadership.status.isLeader ? "ready (accepting webhooks)\nleading" : "ready (accepting webhooks)\nleader election has not run yet"
    }

    /// Adds `POST /webhooks/github` (``WebhookIntake``: the signature is computed as the body
    /// streams in, within a read deadline and a budget of unauthenticated bytes).
    public static func addWebhook<Context: RequestContext>(to router: Router<Context>, receiver: WebhookReceiver) {
        router.post("/webhooks/github") { request, _ -> Response in
            reply(await WebhookIntake.receive(request, receiver: receiver))
        }
    }

    static func reply(_ reply: WebhookReply) -> Response {
        var json = #"{"outcome":""# + reply.outcome.rawValue + #"","message":"#
        json += String(decoding: (try? JSONEncoder().encode(reply.message)) ?? Data("\"\"".utf8), as: UTF8.self) + "}"
        return Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
