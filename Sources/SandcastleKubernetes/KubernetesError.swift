import Foundation
import SandcastleCore

/// A failed Kubernetes API request. `status` cases are decoded from the server's `Status` body.
public enum KubernetesError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The server answered with a `Status` failure.
    case status(KubernetesStatus)
    /// No answer: connection refused, reset, dropped or timed out (after retries).
    case transport(request: String, reason: String)
    /// The answer is not what the API returns.
    case malformedResponse(request: String, reason: String)
    /// Discovery does not know this `apiVersion`/`kind`.
    case unknownType(apiVersion: String, kind: String)
    /// The object is not Sandcastle's (no ownership label or a different PreviewEnvironment UID).
    case notOwned(String)
    /// A namespace of that name exists and Sandcastle did not create it.
    case nameConflict(namespace: String)
    /// A credential plugin or token file failed.
    case credentials(String)

    public var description: String {
        switch self {
        case .status(let status): status.description
        case .transport(let request, let reason): "\(request): no response: \(reason)"
        case .malformedResponse(let request, let reason): "\(request): unexpected response: \(reason)"
        case .unknownType(let apiVersion, let kind):
            "the API server does not serve \(kind) in \(apiVersion)"
                + (kind == "PreviewEnvironment" ? " (install the CRD: kubectl apply -f deploy/crds/)" : "")
        case .notOwned(let object): "\(object) is not managed by this preview; Sandcastle does not modify or delete it"
        case .nameConflict(let namespace): "namespace \(namespace) exists and was not created by Sandcastle (NameConflict); it is left alone"
        case .credentials(let reason): "cluster credentials: \(reason)"
        }
    }

    /// The `Status` reason when the server answered with one.
    public var reason: KubernetesStatus.Reason? {
        if case .status(let status) = self { return status.reason }
        return nil
    }
}

/// A decoded `Status` failure: code, reason, message and causes.
public struct KubernetesStatus: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notFound, alreadyExists, conflict, forbidden, unauthorized, invalid, tooManyRequests, badRequest
        case serverError
        case other(String)

        init(_ text: String, code: Int) {
            switch text {
            case "NotFound": self = .notFound
            case "AlreadyExists": self = .alreadyExists
            case "Conflict": self = .conflict
            case "Forbidden": self = .forbidden
            case "Unauthorized": self = .unauthorized
            case "Invalid": self = .invalid
            case "TooManyRequests": self = .tooManyRequests
            case "BadRequest": self = .badRequest
            case "InternalError", "ServiceUnavailable", "Timeout", "ServerTimeout": self = .serverError
            default:
                switch code {
                case 404: self = .notFound
                case 409: self = .conflict
                case 403: self = .forbidden
                case 401: self = .unauthorized
                case 422: self = .invalid
                case 429: self = .tooManyRequests
                case 500...: self = .serverError
                default: self = .other(text)
                }
            }
        }
    }

    /// One cause of an `Invalid` or `Conflict` status.
    public struct Cause: Sendable, Equatable {
        public var reason: String
        public var message: String
        public var field: String
    }

    /// `PATCH /apis/apps/v1/namespaces/x/deployments/y`.
    public var request: String
    public var code: Int
    public var reason: Reason
    public var message: String
    public var causes: [Cause]
    public var retryAfterSeconds: Int?

    public var description: String {
        let details = causes.map { "\($0.field.isEmpty ? "" : "\($0.field): ")\($0.message)" }
        return "\(request): HTTP \(code): \(message)" + (details.isEmpty ? "" : " (\(details.joined(separator: "; ")))")
    }

    /// The `Status` of a failed answer, or one made from its code and the start of its body when
    /// the body is not a `Status`.
    static func failure(_ body: Data, code: Int, request: String) -> KubernetesStatus {
        decode(body, code: code, request: request)
            ?? KubernetesStatus(
                request: request, code: code, reason: .init("", code: code), message: String(decoding: body.prefix(200), as: UTF8.self), causes: [])
    }

    /// Decodes a `Status` body; `nil` when the body is not one.
    static func decode(_ body: Data, code: Int, request: String) -> KubernetesStatus? {
        struct Body: Decodable {
            struct Details: Decodable {
                struct CauseBody: Decodable {
                    var reason: String?
                    var message: String?
                    var field: String?
                }
                var causes: [CauseBody]?
                var retryAfterSeconds: Int?
            }
            var kind: String?
            var message: String?
            var reason: String?
            var details: Details?
            var code: Int?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: body), body.kind == "Status" else { return nil }
        var reason = Reason(body.reason ?? "", code: body.code ?? code)
        // An apply patch naming a field the kind does not declare is a 500 without a reason from
        // a real server (kube-apiserver 1.32): the request is wrong, retrying it cannot help.
        if reason == .serverError, body.reason == nil, body.message?.contains("field not declared in schema") == true { reason = .invalid }
        return KubernetesStatus(
            request: request, code: body.code ?? code, reason: reason, message: body.message ?? "",
            causes: (body.details?.causes ?? []).map { Cause(reason: $0.reason ?? "", message: $0.message ?? "", field: $0.field ?? "") },
            retryAfterSeconds: body.details?.retryAfterSeconds)
    }
}

extension KubernetesError: ClassifiedError {
    /// Ownership conflicts need a human; everything else may pass (the client already retried).
    public var disposition: ErrorDisposition {
        switch self {
        case .notOwned, .nameConflict: .stalled
        // New content in a namespace being deleted: it is gone soon, then the apply succeeds.
        case .status(let status) where status.causes.contains(where: { $0.reason == "NamespaceTerminating" }): .waiting
        case .status(let status) where status.reason == .invalid || status.reason == .forbidden: .stalled
        default: .transient
        }
    }
}

extension ClusterSinkError: ClassifiedError {
    /// A namespace still terminating is progress to wait for; a cluster-scoped kind needs a fix in the bundle.
    public var disposition: ErrorDisposition {
        if case .clusterScoped = self { return .stalled }
        return .waiting
    }
}
