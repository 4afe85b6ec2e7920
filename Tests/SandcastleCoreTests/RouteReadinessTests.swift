import SandcastleCore
import Testing

/// Sandcastle's own routes gate readiness; a bundle's own routes do not.
@Suite struct RouteReadinessTests {
    static func ingress(address: Bool, wait: Bool = true, ours: Bool = true) -> ManifestObject {
        var object: ManifestObject = ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "sandcastle-route"]]
        if ours { object.set(["sandcastle.dev/route": "true"], at: "metadata.labels") }
        if !wait { object.set([PreviewExposure.waitForAddressAnnotation: "false"], at: "metadata.annotations") }
        if address { object.set(["loadBalancer": ["ingress": [["ip": "192.0.2.10"]]]], at: "status") }
        return object
    }

    static func route(_ accepted: String?, resolved: String = "True") -> ManifestObject {
        var object: ManifestObject = [
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": ["name": "sandcastle-route-web", "labels": ["sandcastle.dev/route": "true"]],
            "spec": ["parentRefs": [["name": "shared", "namespace": "gateway-system"]]],
        ]
        if let accepted {
            object.set(
                [
                    "parents": [
                        [
                            "parentRef": ["name": "shared", "namespace": "gateway-system"], "controllerName": "example.net/gateway",
                            "conditions": [
                                [
                                    "type": "Accepted", "status": .string(accepted),
                                    "reason": accepted == "True" ? "Accepted" : "NotAllowedByListeners", "message": "m",
                                ],
                                [
                                    "type": "ResolvedRefs", "status": .string(resolved),
                                    "reason": resolved == "True" ? "ResolvedRefs" : "BackendNotFound", "message": "no Service web",
                                ],
                            ],
                        ]
                    ]
                ], at: "status")
        }
        return object
    }

    @Test func anIngressIsReadyOnceItHasAnAddressUnlessTheControllerNeverSetsOne() {
        #expect(
            RouteReadiness.judge(Self.ingress(address: false))
                == .progressing("Ingress sandcastle-route: waiting for the ingress controller to publish an address"))
        #expect(RouteReadiness.judge(Self.ingress(address: true)) == .ready)
        #expect(RouteReadiness.judge(Self.ingress(address: false, wait: false)) == .ready)
        #expect(!RouteReadiness.isRoute(Self.ingress(address: false, ours: false)), "a bundle's own Ingress is not judged")
    }

    @Test func anHTTPRouteIsReadyWhenEveryGatewayAcceptsItAndResolvesItsRefs() {
        #expect(RouteReadiness.judge(Self.route(nil)) == .progressing("HTTPRoute sandcastle-route-web: waiting for Gateway shared to accept it"))
        #expect(RouteReadiness.judge(Self.route("True")) == .ready)
        #expect(
            RouteReadiness.judge(Self.route("False"))
                == .progressing("HTTPRoute sandcastle-route-web: Accepted is false at Gateway shared: NotAllowedByListeners: m"))
        #expect(
            RouteReadiness.complaints(Self.route("True", resolved: "False")) == [
                "ResolvedRefs is false at Gateway shared: BackendNotFound: no Service web"
            ])
        #expect(RouteReadiness.complaints(Self.route("True")).isEmpty)
    }
}
