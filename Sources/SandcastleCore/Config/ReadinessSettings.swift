import Foundation

/// When a preview counts as ready.
public struct ReadinessSettings: Sendable, Hashable {
    /// How long workloads may take to become available after an apply before the preview fails.
    public var timeout: ConfigDuration
    /// An HTTP check that must answer before the preview is Ready; `nil` for none.
    public var http: HTTPCheckSettings?

    public init(timeout: ConfigDuration, http: HTTPCheckSettings? = nil) {
        self.timeout = timeout
        self.http = http
    }
}

/// `readiness.http`: the URL the preview must answer on, once its workloads are available.
public struct HTTPCheckSettings: Sendable, Hashable {
    /// Over the render variables (`{{ url }}/healthz`, `http://web.{{ namespace }}.svc.cluster.local/healthz`).
    public var url: Template
    /// The status code that counts as an answer.
    public var expectStatus: Int
    /// How long to wait between checks while it does not answer.
    public var interval: ConfigDuration

    public init(url: Template, expectStatus: Int = 200, interval: ConfigDuration = ConfigDuration(seconds: 5)) {
        self.url = url
        self.expectStatus = expectStatus
        self.interval = interval
    }
}
