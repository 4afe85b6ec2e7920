/// Why a workload's pods are not running, in words a developer acts on, taken from what the
/// kubelet, the scheduler and the workload controllers wrote (pods and events).
public enum WorkloadDiagnosis {
    /// Waiting reasons that only mean "starting" and explain nothing.
    static let routine: Set<String> = ["ContainerCreating", "PodInitializing"]

    /// The problems of `pods` (those of one workload), one line each, without repeats.
    public static func pods(_ pods: [ManifestObject]) -> [String] {
        var lines: [String] = []
        for pod in pods where pod.value(at: "metadata.deletionTimestamp") == nil {
            let name = pod.value(at: "metadata.name")?.string ?? "?"
            for condition in (pod.value(at: "status.conditions")?.array ?? []).compactMap(\.object)
            where condition["type"]?.string == "PodScheduled" && condition["status"]?.string == "False" {
                lines.append("FailedScheduling: pod \(name): \(condition["message"]?.string ?? condition["reason"]?.string ?? "unschedulable")")
            }
            let statuses = (pod.value(at: "status.initContainerStatuses")?.array ?? []) + (pod.value(at: "status.containerStatuses")?.array ?? [])
            for status in statuses.compactMap(\.object) {
                guard let waiting = status["state"]?.object?["waiting"]?.object, let reason = waiting["reason"]?.string,
                    !routine.contains(reason)
                else { continue }
                let container = status["name"]?.string ?? "?"
                let message = waiting["message"]?.string ?? ""
                switch reason {
                case "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull":
                    let image = status["image"]?.string ?? "?"
                    // The kubelet's back-off message only repeats the image; an ErrImagePull says why.
                    let why = message.hasPrefix("Back-off pulling image") || message.isEmpty ? "" : ": \(simplify(message))"
                    lines.append("\(reason): \(shortDigest(image)) (container \(container))\(why)")
                case "CrashLoopBackOff":
                    let restarts: Int = if case .int(let n) = status["restartCount"] { n } else { 0 }
                    let last = status["lastState"]?.object?["terminated"]?.object
                    var line = "CrashLoopBackOff: container \(container) restarted \(restarts) times"
                    if let last {
                        let code: String = if case .int(let n) = last["exitCode"] { " \(n)" } else { "" }
                        line += "; last exit\(code) (\(last["reason"]?.string ?? "terminated"))"
                        if let text = last["message"]?.string, !text.isEmpty { line += ": \(tail(text))" }
                    }
                    lines.append(line)
                default:
                    lines.append("\(reason): container \(container)" + (message.isEmpty ? "" : ": \(simplify(message))"))
                }
            }
        }
        return unique(lines)
    }

    /// Warning events about the workload named `name` or its ReplicaSets and pods (`FailedCreate`,
    /// `FailedScheduling`), most recent last, one line each.
    public static func events(_ events: [ManifestObject], workload name: String) -> [String] {
        let lines = events.compactMap { event -> String? in
            guard event["type"]?.string == "Warning", let reason = event["reason"]?.string,
                reason == "FailedCreate" || reason == "FailedScheduling",
                let involved = event.value(at: "involvedObject.name")?.string, involved == name || involved.hasPrefix(name + "-")
            else { return nil }
            return "\(reason): \(simplify(event["message"]?.string ?? ""))"
        }
        return unique(lines)
    }

    /// Whether `pod` belongs to a workload selecting `matchLabels`.
    public static func selects(_ matchLabels: [String: String], _ pod: ManifestObject) -> Bool {
        guard !matchLabels.isEmpty else { return false }
        let labels = pod.stringMap(at: "metadata.labels")
        return matchLabels.allSatisfy { labels[$0.key] == $0.value }
    }

    /// A controller's message without what only repeats names: `Error creating: pods "web-7d…" is
    /// forbidden: exceeded quota: …` becomes `exceeded quota: …`.
    public static func simplify(_ message: String) -> String {
        var text = message
        // The event recorder's aggregation marker says nothing about the problem.
        if text.hasPrefix("(combined from similar events): ") { text.removeFirst("(combined from similar events): ".count) }
        if text.hasPrefix("Error creating: ") { text.removeFirst("Error creating: ".count) }
        if let range = text.range(of: " is forbidden: "), text.hasPrefix("pods \"") { text = String(text[range.upperBound...]) }
        return text
    }

    /// `name@sha256:0123456789ab…`: a digest shortened to 12 hex digits for a status line.
    public static func shortDigest(_ image: String) -> String {
        guard let at = image.range(of: "@sha256:") else { return image }
        let hex = image[at.upperBound...]
        return hex.count > 12 ? image[..<at.upperBound] + hex.prefix(12) + "…" : image
    }

    /// The last line of a termination message, bounded.
    static func tail(_ text: String) -> String {
        let last = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? text
        return last.count > 300 ? "…" + String(last.suffix(299)) : last
    }

    private static func unique(_ lines: [String]) -> [String] {
        var seen = Set<String>()
        return lines.filter { seen.insert($0).inserted }
    }
}
