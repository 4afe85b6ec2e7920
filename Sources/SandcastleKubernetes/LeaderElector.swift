import Foundation
import SandcastleCore

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it: the holder renews
/// the lease every `retryPeriod`; others take it over only after `leaseDuration` without renewal.
/// A leader that cannot renew within `renewDeadline` stops leading. Updates carry the
/// `resourceVersion` read, so two candidates never both win (the loser gets a 409).
///
/// Every attempt is reported to `observe` (failures with the API's message), so a replica that
/// cannot write its Lease says so instead of silently never leading. Timestamps are `MicroTime`.
public actor LeaderElector {
    public struct Timing: Sendable {
        public var leaseDuration: TimeInterval = 15
        public var renewDeadline: TimeInterval = 10
        public var retryPeriod: TimeInterval = 2
        public init() {}
        public init(leaseDuration: TimeInterval, renewDeadline: TimeInterval, retryPeriod: TimeInterval) {
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    public let identity: String
    public let namespace: String
    public let name: String
    public let timing: Timing
    private let client: KubernetesClient
    private let clock: any WallClock
    private let observe: @Sendable (LeaderElectionEvent) -> Void
    public private(set) var isLeader = false
    /// When this candidate last renewed (or acquired) the lease.
    private var lastRenew: Date?

    public init(
        client: KubernetesClient, namespace: String, name: String = "sandcastle-controller", identity: String, timing: Timing = Timing(),
        clock: any WallClock = SystemClock(), observe: @escaping @Sendable (LeaderElectionEvent) -> Void = { _ in }
    ) {
        self.client = client
        self.observe = observe
        self.clock = clock
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
    }

    private var ref: ResourceRef { ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: namespace, name: name) }

    /// Campaigns until cancelled: `lead` runs while this candidate holds the lease and is cancelled
    /// when leadership is lost. On cancellation the lease is released so another replica takes over
    /// at once.
    public func run(lead: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            if await tryAcquireOrRenew() {
                let leading = Task { await lead() }
                await holdLeadership()
                leading.cancel()
                await leading.value
            }
            if Task.isCancelled { break }
            try? await clock.sleep(until: clock.now.addingTimeInterval(timing.retryPeriod))
        }
        // The campaign was cancelled; release from a task that is not, or the requests would be too.
        await Task { await self.release() }.value
    }

    /// Renews every `retryPeriod` until a renewal has failed for `renewDeadline`, or cancellation.
    private func holdLeadership() async {
        while !Task.isCancelled {
            try? await clock.sleep(until: clock.now.addingTimeInterval(timing.retryPeriod))
            if Task.isCancelled { return }
            if await tryAcquireOrRenew() { continue }
            if let lastRenew, clock.now.timeIntervalSince(lastRenew) < timing.renewDeadline, isLeader { continue }
            isLeader = false
            observe(.stopped)
            return
        }
    }

    /// One attempt: create the lease, renew it, or take it over when it expired. `true` when this
    /// candidate holds it afterwards. The outcome is reported to `observe`.
    public func tryAcquireOrRenew() async -> Bool {
        let now = clock.now
        let time = KubernetesMicroTime.string(now)
        do {
            guard let lease = try await client.get(ref) else {
                let created = try await client.create(
                    leaseObject(holder: identity, acquired: time, renewed: time, transitions: 0, resourceVersion: nil))
                return won(now, lease: created, newly: true)
            }
            let holder = lease.value(at: "spec.holderIdentity")?.string ?? ""
            let renewed = lease.value(at: "spec.renewTime")?.string.flatMap(Self.date) ?? .distantPast
            let duration = TimeInterval(lease.value(at: "spec.leaseDurationSeconds").flatMap { if case .int(let v) = $0 { v } else { nil } } ?? 15)
            if !holder.isEmpty, holder != identity, renewed.addingTimeInterval(duration) > now {
                isLeader = false
                observe(.following(holder: holder))
                return false  // held by someone else and not expired
            }
            var transitions = 0
            if case .int(let value) = lease.value(at: "spec.leaseTransitions") { transitions = value }
            let acquired = holder == identity ? (lease.value(at: "spec.acquireTime")?.string ?? time) : time
            let replaced = try await client.replace(
                leaseObject(
                    holder: identity, acquired: acquired, renewed: time, transitions: holder == identity ? transitions : transitions + 1,
                    resourceVersion: lease.value(at: "metadata.resourceVersion")?.string))
            return won(now, lease: replaced, newly: holder != identity)
        } catch let error as KubernetesError where error.reason == .conflict || error.reason == .alreadyExists {
            // Another candidate wrote the lease between our read and write: it won this round.
            isLeader = false
            observe(.following(holder: "another candidate"))
            return false
        } catch {
            let stillLeading = isLeader && lastRenew.map { now.timeIntervalSince($0) < timing.renewDeadline } == true
            observe(.failed(message: "Lease \(namespace)/\(name): \(error)", stillLeading: stillLeading))
            return false  // retried next period
        }
    }

    private func won(_ now: Date, lease: ManifestObject, newly: Bool) -> Bool {
        let wasLeader = isLeader
        isLeader = true
        lastRenew = now
        observe(.leading)
        if newly || !wasLeader { Task { await self.recordEvent(lease: lease, now: now) } }
        return true
    }

    /// `<identity> became leader` on the Lease, as client-go reports it; best effort.
    private func recordEvent(lease: ManifestObject, now: Date) async {
        let event = KubernetesEvent.object(
            regarding: lease, namespace: namespace, reason: "LeaderElection", action: "Acquire", note: "\(identity) became leader",
            instance: identity, now: now)
        _ = try? await client.create(event)
    }

    /// A lease timestamp: `MicroTime`, or any RFC 3339 form another client wrote.
    static func date(_ text: String) -> Date? { (try? KubernetesMicroTime.parse(text)) ?? RFC3339.date(text) }

    /// Gives the lease up (holder cleared, duration 1 s) if this candidate holds it.
    public func release() async {
        guard isLeader else { return }
        isLeader = false
        observe(.stopped)
        guard let lease = try? await client.get(ref), lease.value(at: "spec.holderIdentity")?.string == identity else { return }
        var object = lease
        object.set(.string(""), at: "spec.holderIdentity")
        object.set(.int(1), at: "spec.leaseDurationSeconds")
        object.set(.string(KubernetesMicroTime.string(clock.now)), at: "spec.renewTime")
        _ = try? await client.replace(object)
    }

    private func leaseObject(holder: String, acquired: String, renewed: String, transitions: Int, resourceVersion: String?) -> ManifestObject {
        Self.leaseObject(
            namespace: namespace, name: name, holder: holder, durationSeconds: Int(timing.leaseDuration.rounded(.up)), acquired: acquired,
            renewed: renewed, transitions: transitions, resourceVersion: resourceVersion)
    }

    /// The Lease Sandcastle writes; `acquired` and `renewed` are `MicroTime` strings.
    public static func leaseObject(
        namespace: String, name: String, holder: String, durationSeconds: Int, acquired: String, renewed: String, transitions: Int,
        resourceVersion: String?
    ) -> ManifestObject {
        var metadata: ManifestObject = ["name": .string(name), "namespace": .string(namespace)]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        return [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": .object(metadata),
            "spec": [
                "holderIdentity": .string(holder), "leaseDurationSeconds": .int(durationSeconds),
                "acquireTime": .string(acquired), "renewTime": .string(renewed), "leaseTransitions": .int(transitions),
            ],
        ]
    }
}
