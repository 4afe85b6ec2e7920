import Foundation

/// The last output of a failed hook Job, as its pod reports it, made safe to show: the
/// termination message (with `FallbackToLogsOnError`, the tail of the log) is written by the PR's
/// code and may echo what it was given, so credentials in well-known shapes are masked.
public enum HookOutputText {
    /// Longest output kept (its tail); the kubelet keeps at most 4,096 bytes or 80 lines anyway.
    public static let maxLength = 4_096

    /// The termination message of the failed container of the newest pod, if any.
    public static func lastOutput(of pods: [ManifestObject]) -> String? {
        let newest = pods.sorted {
            ($0.value(at: "metadata.creationTimestamp")?.string ?? "") > ($1.value(at: "metadata.creationTimestamp")?.string ?? "")
        }
        for pod in newest {
            let statuses = (pod.value(at: "status.initContainerStatuses")?.array ?? []) + (pod.value(at: "status.containerStatuses")?.array ?? [])
            let terminated = statuses.compactMap { status -> ManifestObject? in
                status.object?["state"]?.object?["terminated"]?.object ?? status.object?["lastState"]?.object?["terminated"]?.object
            }
            let failed = terminated.first { if case .int(let code) = $0["exitCode"] { code != 0 } else { false } } ?? terminated.first
            if let message = failed?["message"]?.string, !message.isEmpty { return String(message.suffix(maxLength)) }
        }
        return nil
    }

    /// `text` with credentials in well-known shapes replaced by `[redacted]`: the password of a
    /// URL (`postgres://user:…@`), `Authorization`/`Bearer` values, GitHub tokens, AWS access
    /// keys, private key blocks, and the value after a key whose name says it is secret
    /// (`password=…`, `"token": "…"`, `API_KEY: …`).
    public static func redact(_ text: String) -> String {
        var out = text
        out.replace(/(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)/) { _ in "[redacted private key]" }
        out.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:\/@]+:)[^\s@\/]+@/) { "\($0.output.1)[redacted]@" }
        out.replace(/(?i)(bearer|basic|token)\s+[A-Za-z0-9._~+\/=-]{8,}/) { "\($0.output.1) [redacted]" }
        out.replace(/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/) { _ in "[redacted]" }
        out.replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/) { _ in "[redacted]" }
        out.replace(
            /(?i)([A-Za-z0-9_.-]*(password|passwd|secret|token|api[_-]?key|access[_-]?key|credential)[A-Za-z0-9_.-]*["']?\s*[:=]\s*["']?)[^\s"',;&]+/
        ) { "\($0.output.1)[redacted]" }
        return out
    }
}
