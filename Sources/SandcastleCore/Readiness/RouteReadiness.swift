/// Whether a route Sandcastle rendered for `expose` carries traffic: an HTTPRoute once every
/// Gateway it attaches to reports `Accepted` and `ResolvedRefs` true for it; an Ingress once its
/// controller published a load-balancer address (or at once, with `route.waitForAddress: false`).
public enum RouteReadiness {
    /// The kinds judged, when they carry ``PreviewExposure/routeLabel``.
    public static let kinds: Set<String> = ["Ingress", "HTTPRoute"]

    /// Whether `object` is one of Sandcastle's routes (a bundle's own routes are not judged).
    public static func isRoute(_ object: ManifestObject) -> Bool {
        kinds.contains(object["kind"]?.string ?? "") && object.stringMap(at: "metadata.labels")[PreviewExposure.routeLabel] == "true"
    }

    /// What a Gateway says is wrong with an HTTPRoute (a condition that is not true), one line per
    /// Gateway: the complaint GitHub hears, as a pod's waiting reason is for a Deployment.
    public static func complaints(_ object: ManifestObject) -> [String] {
        guard object["kind"]?.string == "HTTPRoute" else { return [] }
        var lines: [String] = []
        for parent in (object.value(at: "status.parents")?.array ?? []).compactMap(\.object) {
            let gateway = parent["parentRef"]?.object?["name"]?.string ?? "?"
            for condition in (parent["conditions"]?.array ?? []).compactMap(\.object)
            where ["Accepted", "ResolvedRefs"].contains(condition["type"]?.string ?? "") && condition["status"]?.string != "True" {
                let why = [condition["reason"]?.string, condition["message"]?.string].compactMap { $0 }.filter { !$0.isEmpty }
                lines.append("\(condition["type"]?.string ?? "") is false at Gateway \(gateway): " + why.joined(separator: ": "))
                break
            }
        }
        return lines
    }

    public static func judge(_ object: ManifestObject) -> WorkloadReadiness {
        let name = object.value(at: "metadata.name")?.string ?? "?"
        switch object["kind"]?.string {
        case "Ingress":
            if object.stringMap(at: "metadata.annotations")[PreviewExposure.waitForAddressAnnotation] == "false" { return .ready }
            let addresses = object.value(at: "status.loadBalancer.ingress")?.array ?? []
            return addresses.isEmpty ? .progressing("Ingress \(name): waiting for the ingress controller to publish an address") : .ready
        case "HTTPRoute":
            let parents = (object.value(at: "status.parents")?.array ?? []).compactMap(\.object)
            for ref in (object.value(at: "spec.parentRefs")?.array ?? []).compactMap(\.object) {
                let gateway = ref["name"]?.string ?? "?"
                guard let parent = parents.first(where: { $0["parentRef"]?.object?["name"]?.string == gateway }) else {
                    return .progressing("HTTPRoute \(name): waiting for Gateway \(gateway) to accept it")
                }
                let conditions = (parent["conditions"]?.array ?? []).compactMap(\.object)
                for type in ["Accepted", "ResolvedRefs"] {
                    guard let condition = conditions.first(where: { $0["type"]?.string == type }) else {
                        return .progressing("HTTPRoute \(name): waiting for Gateway \(gateway) to report \(type)")
                    }
                    if condition["status"]?.string != "True" {
                        return .progressing("HTTPRoute \(name): " + (complaints(object).first ?? "\(type) is not true"))
                    }
                }
            }
            return .ready
        default: return .ready
        }
    }
}
