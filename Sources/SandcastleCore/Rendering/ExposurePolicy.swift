/// How far a bundle's objects may reach out of their namespace: routes only for the preview's own
/// hosts, and no Service that exposes the preview on nodes, load balancers, external IPs or a
/// foreign DNS name, unless a repository's settings allow it. Each refusal names the object, the
/// field and the rule.
public enum ExposurePolicy {
    /// Annotations that inject configuration into a shared ingress controller: refused unless
    /// named exactly in `bundle.allowedRouteAnnotations`.
    static let snippetMarker = "snippet"

    /// The problems of `objects` for a preview owning `hosts` (the preview host, and names under it).
    public static func violations(of objects: [Manifest], hosts: [String], settings: BundleSettings) -> [RenderError.Issue] {
        var issues: [RenderError.Issue] = []
        for object in objects {
            func refuse(_ field: String, _ message: String) { issues.append(.init(location: "\(object.reference): \(field)", message: message)) }
            func checkHost(_ host: String?, field: String) {
                guard let host, !host.isEmpty else {
                    return refuse(field, "no host: a catch-all route would take traffic for every host; name the preview's host (\(hosts[0]))")
                }
                if host.contains("*") { return refuse(field, "wildcard host '\(host)' is not allowed; use the preview's host (\(hosts[0]))") }
                if !owns(host, hosts: hosts) {
                    refuse(field, "host '\(host)' is not this preview's; allowed: \(hosts.joined(separator: ", ")) and names under them")
                }
            }
            switch (object.group, object.kind) {
            case ("networking.k8s.io", "Ingress"), ("extensions", "Ingress"):
                if object.object.value(at: "spec.defaultBackend") != nil || object.object.value(at: "spec.backend") != nil {
                    refuse("spec.defaultBackend", "a default backend takes traffic for every host; route the preview's host with a rule")
                }
                let rules = object.object.value(at: "spec.rules")?.array ?? []
                if rules.isEmpty { refuse("spec.rules", "an Ingress without rules is a catch-all") }
                for (index, rule) in rules.enumerated() { checkHost(rule.object?["host"]?.string, field: "spec.rules[\(index)].host") }
                for (index, tls) in (object.object.value(at: "spec.tls")?.array ?? []).enumerated() {
                    let tlsHosts = tls.object?["hosts"]?.array?.compactMap(\.string) ?? []
                    if tlsHosts.isEmpty { refuse("spec.tls[\(index)].hosts", "TLS without hosts applies to every host; list the preview's host") }
                    for (position, host) in tlsHosts.enumerated() { checkHost(host, field: "spec.tls[\(index)].hosts[\(position)]") }
                }
                issues += annotationIssues(object, settings: settings)
            case ("gateway.networking.k8s.io", "HTTPRoute"), ("gateway.networking.k8s.io", "GRPCRoute"), ("gateway.networking.k8s.io", "TLSRoute"):
                let names = object.object.value(at: "spec.hostnames")?.array?.compactMap(\.string) ?? []
                if names.isEmpty { refuse("spec.hostnames", "a route without hostnames takes every host of its gateway; list the preview's host") }
                for (index, host) in names.enumerated() { checkHost(host, field: "spec.hostnames[\(index)]") }
                issues += annotationIssues(object, settings: settings)
            case ("gateway.networking.k8s.io", "TCPRoute"), ("gateway.networking.k8s.io", "UDPRoute"), ("gateway.networking.k8s.io", "Gateway"):
                refuse("kind", "\(object.kind) is not host-scoped and would claim a shared listener; previews route by host")
            case ("", "Service"):
                let type = object.object.value(at: "spec.type")?.string ?? "ClusterIP"
                if type != "ClusterIP", !settings.allowedServiceTypes.contains(type) {
                    refuse(
                        "spec.type",
                        "type \(type) exposes the preview outside the cluster; allowed: ClusterIP\(settings.allowedServiceTypes.map { ", \($0)" }.joined()) (bundle.allowedServiceTypes)"
                    )
                }
                if !(object.object.value(at: "spec.externalIPs")?.array ?? []).isEmpty, !settings.allowExternalIPs {
                    refuse(
                        "spec.externalIPs",
                        "external IPs let a Service capture traffic for any address (CVE-2020-8554); not allowed (bundle.allowExternalIPs)")
                }
            default:
                break
            }
        }
        return issues
    }

    /// Whether `host` is one of `hosts` or a name under one of them (case-insensitive).
    static func owns(_ host: String, hosts: [String]) -> Bool {
        let name = host.lowercased().trimmingTrailingDot
        return hosts.contains { owned in
            let base = owned.lowercased()
            return name == base || name.hasSuffix("." + base)
        }
    }

    private static func annotationIssues(_ object: Manifest, settings: BundleSettings) -> [RenderError.Issue] {
        var issues: [RenderError.Issue] = []
        for key in object.object.stringMap(at: "metadata.annotations").keys.sorted() {
            let allowed = settings.allowedRouteAnnotations.contains { pattern in Glob.matches(pattern, key) }
            let exact = settings.allowedRouteAnnotations.contains(key)
            if key.lowercased().contains(snippetMarker), !exact {
                issues.append(
                    .init(
                        location: "\(object.reference): metadata.annotations[\(key)]",
                        message:
                            "snippet annotations inject configuration into the shared ingress controller; not allowed unless listed exactly in bundle.allowedRouteAnnotations"
                    ))
            } else if !allowed {
                issues.append(
                    .init(
                        location: "\(object.reference): metadata.annotations[\(key)]",
                        message: "annotation not in bundle.allowedRouteAnnotations (\(settings.allowedRouteAnnotations.joined(separator: ", ")))"))
            }
        }
        return issues
    }
}

/// Shell-style patterns with `*` only (any run of characters), for annotation allow-lists.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }
}

extension String {
    fileprivate var trimmingTrailingDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
