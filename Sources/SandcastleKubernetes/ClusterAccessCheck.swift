import Foundation
import SandcastleCore

/// The answer of `sandcastle cluster check`.
public typealias ClusterCheckReport = AccessCheckReport

extension KubernetesClient {
    /// Checks what `sandcastle run` needs: the API server answers, the PreviewEnvironment CRD is
    /// installed, every permission of ``ClusterPermissions`` is granted (SelfSubjectAccessReview),
    /// and the leader-election Lease can be written (a dry-run write, so nothing changes).
    public func checkAccess(
        leaseNamespace: String, leaseName: String = "sandcastle-controller", engine: GitOpsEngine? = nil, now: Date = Date()
    ) async -> ClusterCheckReport {
        var report = ClusterCheckReport()
        func note(_ ok: Bool, _ subject: String, _ detail: String) { report.findings.append(.init(subject: subject, ok: ok, detail: detail)) }
        do {
            note(true, "API server", "\(try await serverVersion()) at \(config.server)")
        } catch {
            note(false, "API server", "\(config.server) does not answer: \(error)")
            return report
        }
        do {
            let info = try await resolve(apiVersion: PreviewEnvironment.apiVersion, kind: PreviewEnvironment.kind)
            note(true, "PreviewEnvironment CRD", "installed (\(PreviewEnvironment.apiVersion), \(info.namespaced ? "namespaced" : "cluster-scoped"))")
        } catch KubernetesError.unknownType {
            note(
                false, "PreviewEnvironment CRD",
                "not installed: the API server does not serve \(PreviewEnvironment.apiVersion); run kubectl apply -f deploy/crds/")
        } catch {
            note(false, "PreviewEnvironment CRD", "cannot be looked up: \(error)")
        }
        for permission in ClusterPermissions.required(leaseNamespace: leaseNamespace, engine: engine) {
            var denied: [String] = []
            var failure: String?
            for verb in permission.verbs {
                do {
                    if try await !mayI(verb, permission.resource, group: permission.group, namespace: permission.namespace, name: permission.name) {
                        denied.append(verb)
                    }
                } catch {
                    failure = "\(error)"
                    break
                }
            }
            if let failure {
                note(false, permission.subject, "cannot ask the API server (SelfSubjectAccessReview): \(failure)")
            } else if denied.isEmpty {
                note(true, permission.subject, permission.verbs.joined(separator: ", "))
            } else {
                note(
                    false, permission.subject, "not allowed to \(denied.joined(separator: ", ")) (needs \(permission.verbs.joined(separator: ", ")))")
            }
        }
        let subject = "Lease \(leaseNamespace)/\(leaseName)"
        do {
            let time = KubernetesMicroTime.string(now)
            let ref = ResourceRef(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: leaseNamespace, name: leaseName)
            if let lease = try await get(ref) {
                var renewed = lease
                renewed.set(.string(time), at: "spec.renewTime")
                _ = try await replace(renewed, dryRun: true)
                let holder = lease.value(at: "spec.holderIdentity")?.string ?? ""
                note(true, subject, "can be written (dry run); held by \(holder.isEmpty ? "nobody" : holder)")
            } else {
                _ = try await create(
                    LeaderElector.leaseObject(
                        namespace: leaseNamespace, name: leaseName, holder: "sandcastle-cluster-check", durationSeconds: 15, acquired: time,
                        renewed: time, transitions: 0, resourceVersion: nil), dryRun: true)
                note(true, subject, "can be created (dry run)")
            }
        } catch {
            note(false, subject, "cannot be written, so this replica would never lead: \(error)")
        }
        return report
    }
}
