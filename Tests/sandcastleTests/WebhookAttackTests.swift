import AsyncHTTPClient
import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// The webhook endpoint of the real binary under a bounded attack: 200 slow unauthenticated
/// uploads (each announcing 900 KB and trickling 512 bytes every half second, reconnecting when
/// dropped) and 4 senders of 5 MB unauthenticated bodies as fast as loopback takes them, for
/// 30 s, from a second process on loopback. Meanwhile genuine signed deliveries are
/// answered quickly and the process's memory stays bounded, and returns near its baseline.
///
/// Timing-sensitive, so it runs alone: `scripts/test.sh` runs it after the suite with
/// SANDCASTLE_ATTACK_TEST=1 (`swift test --filter WebhookAttackTests`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SANDCASTLE_ATTACK_TEST"] == "1", "runs alone: scripts/test.sh runs it after the suite"))
struct WebhookAttackTests {
    static let attacker = #"""
        import socket, sys, threading, time
        port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
        large = {"sent": 0, "answers": {}}
        def flood():
            # Large unauthenticated bodies as fast as loopback takes them.
            body = b"y" * 5000000
            while time.time() < end:
                try:
                    s = socket.create_connection(("127.0.0.1", port))
                    s.sendall(head.format(len(body), "large").replace("push", "pull_request").encode() + body)
                    answer = s.recv(64).split(b" ")[1].decode()
                    large["answers"][answer] = large["answers"].get(answer, 0) + 1
                    s.close()
                except (ConnectionError, OSError, IndexError):
                    pass
                large["sent"] += 1
        head = ("POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: {}\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: {}\r\n"
                "X-Hub-Signature-256: sha256=" + "0" * 64 + "\r\n\r\n")
        def connect(i):
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            s.send(head.format(900000, "attack-%d" % i).encode())
            return s
        sockets = [connect(i) for i in range(count)]
        end, opened, dropped = time.time() + seconds, count, 0
        floods = [threading.Thread(target=flood) for _ in range(4)]
        for thread in floods:
            thread.start()
        while time.time() < end:
            for i, s in enumerate(sockets):
                try:
                    s.send(b"x" * 512)
                    try:
                        if s.recv(4096):
                            raise ConnectionError("answered")
                    except BlockingIOError:
                        pass
                except (ConnectionError, OSError):
                    dropped += 1
                    s.close()
                    sockets[i] = connect(opened)
                    opened += 1
            time.sleep(0.5)
        for thread in floods:
            thread.join()
        print("slow uploads opened=%d dropped=%d; large bodies sent=%d answers=%s" % (opened, dropped, large["sent"], large["answers"]))
        """#

    static func rss(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    @Test func slowUnauthenticatedUploadsNeitherDelayGenuineDeliveriesNorHoldMemory() async throws {
        let github = try await FakeGitHubServer.start()
        defer { Task { await github.stop() } }
        await github.github.addPersonalToken("ghp_attack_token", login: "bot")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write([
            "token": "ghp_attack_token", "secret": "attack-webhook-secret", "attacker.py": Self.attacker,
            "sandcastle.yaml": RunAndDemoCLITests.runConfiguration(dir, apiURL: github.apiURL, sink: "{kind: directory, path: \(dir.path)/previews}"),
        ])
        // As deployed: the image and deploy/deployment.yaml set MALLOC_ARENA_MAX=2.
        let (process, _, log, port, _) = try await RunAndDemoCLITests.launchRun(
            dir, environment: ["KUBECONFIG": dir.path + "/none", "MALLOC_ARENA_MAX": "2"])
        defer { if process.isRunning { process.terminate() } }
        let url = "http://127.0.0.1:\(port)/webhooks/github"
        let sender = WebhookSender(secret: "attack-webhook-secret")
        func ping(_ id: Int) async throws -> Double {
            let started = ContinuousClock.now
            let reply = try await sender.deliver(
                event: "ping", payload: Data(#"{"zen":"Design for failure.","hook_id":\#(id)}"#.utf8), to: url, deliveryID: "genuine-\(id)")
            #expect(reply.status == 200)
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        for id in 0..<20 { _ = try await ping(id) }  // warm up
        let baseline = Self.rss(process.processIdentifier)

        let attack = Task { try await Subprocess.runDetached("/usr/bin/env", ["python3", dir.path + "/attacker.py", "\(port)", "200", "30"]) }
        try await Task.sleep(for: .seconds(2))
        var latencies: [Double] = []
        var peak = 0
        let end = ContinuousClock.now + .seconds(27)
        var id = 100
        while ContinuousClock.now < end {
            latencies.append(try await ping(id))
            peak = max(peak, Self.rss(process.processIdentifier))
            id += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        let result = try await attack.value
        #expect(result.status == 0, "\(result.stderr)")
        try await Task.sleep(for: .seconds(3))
        let after = Self.rss(process.processIdentifier)
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p95 = latencies[latencies.count * 95 / 100], worst = latencies.last ?? 0
        let summary =
            "attack: \(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)); genuine deliveries: \(latencies.count), p50 \(String(format: "%.1f", p50)) ms, p95 \(String(format: "%.1f", p95)) ms, max \(String(format: "%.1f", worst)) ms; RSS baseline \(baseline >> 20) MiB, peak \(peak >> 20) MiB, after \(after >> 20) MiB"
        print(summary)
        try Data((summary + "\n").utf8).write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "sandcastle-webhook-attack.txt"))
        #expect(p95 < 50, "\(summary)")
        #expect(peak < 150 << 20, "\(summary)")
        #expect(after < baseline + (32 << 20), "memory returns near its baseline: \(summary)")
        try await sender.shutdown()
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        try log.close()
    }
}
