import AsyncHTTPClient
import Foundation
import Logging
import Prometheus
import SandcastleController
import SandcastleCore
import SandcastleKubernetes
import SandcastleServer
import SandcastleTestSupport
import Testing

/// A replica that cannot write its Lease says so: in the log (once per distinct error), in
/// metrics, on `/readyz` and in the dashboard's header; and recovers visibly.
@Suite("Leadership is never silent")
struct LeadershipTests {
    @Test func aRefusedLeaseIsLoggedOnceCountedAndShownUntilItWorks() async throws {
        let server = try await FakeKubernetesServer.start()
        let fake = server.kubernetes
        try await fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "sandcastle-system"]])
        let user = "system:serviceaccount:sandcastle-system:sandcastle"
        // Everything but creating the Lease.
        await fake.restrictAccess(
            user: user, rules: [FakeRBACRule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"])])
        let client = try KubernetesClient(config: .init(server: server.url, credentials: .none))

        let lines = LockedValue([String]())
        let logger = Logger(label: "sandcastle") { label in
            StructuredLogHandler(label: label, format: .logfmt) { line in lines.withLock { $0.append(line) } }
        }
        let registry = PrometheusCollectorRegistry()
        let metrics = ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let clock = ManualClock(Date())
        let monitor = LeadershipMonitor(logger: logger, metrics: metrics, clock: clock, leaseDuration: 15)
        let timing = LeaderElector.Timing(leaseDuration: 15, renewDeadline: 10, retryPeriod: 0.02)
        let elector = LeaderElector(client: client, namespace: "sandcastle-system", identity: "replica-a", timing: timing) {
            monitor.observe($0)
        }
        let led = LockedValue(false)
        let campaign = Task {
            await elector.run {
                led.withLock { $0 = true }
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            }
        }

        #expect(await eventually { monitor.status.errors >= 5 })
        let failures = lines.withLock { $0.filter { $0.contains("leader election failed") } }
        #expect(failures.count == 1, "logged once per distinct error, not per attempt: \(failures)")
        #expect(failures.first?.contains(#"leases.coordination.k8s.io is forbidden: User \"system:serviceaccount"#) == true, "\(failures)")
        var exposition: [UInt8] = []
        registry.emit(into: &exposition)
        let text = String(decoding: exposition, as: UTF8.self)
        let errorsLine = text.split(separator: "\n").first { $0.hasPrefix("sandcastle_leader_election_errors_total ") }
        #expect(errorsLine.flatMap { Int($0.split(separator: " ").last ?? "") }.map { $0 >= 5 } == true, "\(text)")
        #expect(text.contains("sandcastle_leader 0"))
        #expect(!led.withLock { $0 })

        // Shown on /readyz (still 200: webhooks are accepted) once it lasts longer than the lease.
        let receiver = WebhookReceiver(secret: "s", enqueue: { _ in .enqueued })
        let views = SandcastleRoutes.Views(book: PreviewBook(), leadership: monitor, metrics: { "" })
        let http = try await LoopbackHTTPServer.start(router: SandcastleRoutes.router(receiver: receiver, views: views))
        func get(_ path: String) async throws -> (Int, String) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: http.baseURL + path), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        #expect(monitor.readinessProblem == nil, "not yet longer than the lease duration")
        clock.advance(by: 16)
        let (readyStatus, readyBody) = try await get("/readyz")
        #expect(readyStatus == 200)
        #expect(readyBody.contains("not leading: leader election failing for 16 s"), "\(readyBody)")
        #expect(readyBody.contains(#"cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "sandcastle-system""#))
        let (_, page) = try await get("/")
        #expect(page.contains(#"<div class="banner" id="leadership">This replica is not leading: Lease sandcastle-system/sandcastle-controller: "#))
        #expect(page.contains("cannot create resource &quot;leases&quot;"), "escaped in the page")

        // The permission is granted: the replica leads, says so once, and the header goes away.
        await fake.restrictAccess(user: user, rules: [FakeRBACRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"])])
        #expect(await eventually { led.withLock { $0 } })
        #expect(monitor.status.isLeader)
        #expect(lines.withLock { $0.contains { $0.contains("leader election works again") } })
        var after: [UInt8] = []
        registry.emit(into: &after)
        #expect(String(decoding: after, as: UTF8.self).contains("sandcastle_leader 1"))
        let (_, leadingBody) = try await get("/readyz")
        #expect(leadingBody.contains("leading") && !leadingBody.contains("not leading"), "\(leadingBody)")
        let (_, leadingPage) = try await get("/")
        #expect(!leadingPage.contains(#"id="leadership""#))
        let lease = try #require(
            await fake.object(
                ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "sandcastle-system", name: "sandcastle-controller")))
        #expect(
            lease.value(at: "spec.renewTime")?.string?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil)
        // client-go's "became leader" Event, on the Lease.
        #expect(
            await eventually {
                await fake.allObjects(namespace: "sandcastle-system").contains {
                    $0["kind"]?.string == "Event" && $0["note"]?.string == "replica-a became leader" && $0["reason"]?.string == "LeaderElection"
                }
            })

        campaign.cancel()
        await campaign.value
        await http.stop()
        try await client.shutdown()
        await server.stop()
    }

    @Test func aRepeatedErrorIsLoggedAgainOnlyAfterTheInterval() {
        let lines = LockedValue([String]())
        let logger = Logger(label: "sandcastle") { label in
            StructuredLogHandler(label: label, format: .logfmt) { line in lines.withLock { $0.append(line) } }
        }
        let clock = ManualClock(Date())
        let monitor = LeadershipMonitor(
            logger: logger, metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())), clock: clock,
            repeatLogInterval: 60)
        for _ in 0..<10 {
            monitor.observe(.failed(message: "A", stillLeading: false))
            clock.advance(by: 2)
        }
        monitor.observe(.failed(message: "B", stillLeading: false))
        clock.advance(by: 61)
        monitor.observe(.failed(message: "B", stillLeading: false))
        let logged = lines.withLock { $0.filter { $0.contains("leader election failed") } }
        #expect(logged.count == 3, "\(logged)")
        #expect(logged[2].contains("repeats=0") == false)
        #expect(monitor.status.errors == 12)
        #expect(monitor.notLeadingReason == "B")
    }
}
