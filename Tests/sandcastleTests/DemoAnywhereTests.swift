import Foundation
import SandcastleCore
import SandcastleKubernetes
import SandcastleTestSupport
import Testing

/// `sandcastle demo` works wherever the binary is: from an empty directory with an installed copy,
/// with output written line by line, and against a cluster with real readiness and clean-up.
@Suite struct DemoAnywhereTests {
    static let root = repositoryRoot(from: #filePath)

    @Test func anInstalledBinaryPlaysTheDemoFromAnEmptyDirectory() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bin = dir.path + "/bin"
        let empty = dir.path + "/empty"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: SandcastleExecutable.path, toPath: bin + "/sandcastle")
        let result = try await Subprocess.runDetached(bin + "/sandcastle", ["demo"], in: empty)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Sandcastle demo: acme/blog#42, 2 commits in a local git repository"))
        #expect(result.stdout.contains("github: status sandcastle/deploy = success"))
        #expect(result.stdout.contains("Demo complete: every step converged."))
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty, "the demo leaves nothing in the working directory")
    }

    @Test func theExportedExampleIsTheOneInTheRepository() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try await Subprocess.runDetached(SandcastleExecutable.path, ["demo", "--export", dir.path + "/example"], in: dir.path)
        #expect(result.status == 0, "\(result.stderr)")
        let paths = [
            "demo/sandcastle.yaml", "demo/scenario.yaml", "demo/push/deploy/preview/app.yaml", "blog/deploy/preview/app.yaml",
            "blog/deploy/preview/ingress.yaml",
        ]
        for path in paths {
            let exported = try String(contentsOfFile: dir.path + "/example/" + path, encoding: .utf8)
            let original = try String(contentsOfFile: Self.root + "/examples/" + path, encoding: .utf8)
            #expect(exported == original, "examples/\(path) and the demo's built-in copy differ")
        }
        let replay = try await Subprocess.runDetached(
            SandcastleExecutable.path,
            ["demo", "--config", dir.path + "/example/demo/sandcastle.yaml", "--scenario", dir.path + "/example/demo/scenario.yaml"], in: dir.path)
        #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
    }

    @Test func heldOutputReachesAFileWhileTheDemoRuns() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let outFile = dir.path + "/demo.log"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SandcastleExecutable.path)
        process.arguments = ["demo", "--hold"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var text = ""
        for _ in 0..<600 {
            text = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
            if text.contains("Ctrl-C to stop") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(process.isRunning, "the demo holds")
        #expect(text.contains("[5/5] The PR is closed") && text.contains("Ctrl-C to stop"), "flushed while holding: \(text)")
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        try out.close()
    }

    /// Against a cluster (the fake API server, whose deployment controller stand-in makes the
    /// Deployment available 5 s after each change, long enough to be seen waiting on a loaded machine): waits for readiness, then cleans up.
    @Test func onAClusterTheDemoWaitsForReadinessAndCleansUp() async throws {
        let server = try await FakeKubernetesServer.start()
        await server.kubernetes.simulateRollouts(readyAfter: 5)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(["kubeconfig": server.kubeconfig()])
        let result = try await SandcastleExecutable.run(["demo", "--kubeconfig", dir.path + "/kubeconfig", "--ready-timeout", "60"], in: dir.path)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("previews are applied to the cluster at \(server.url)"))
        #expect(out.contains("cluster: waiting: Deployment blog: "), "\(out)")
        #expect(out.contains("cluster: ready after "), "\(out)")
        #expect(out.contains("cluster: namespace pr-42-blog is gone"))
        #expect(out.contains("Demo complete: every step converged."))
        let left = await server.kubernetes.leftovers()
        #expect(left.isEmpty, "left behind: \(left.map { ResourceRef($0).description })")
        let deployments = await server.kubernetes.requests.filter { $0.method == "PATCH" && $0.path.contains("/deployments/blog") }
        let applied = try #require(deployments.first.flatMap { try? ManifestValue.parseJSON($0.body).object })
        let image = applied.value(at: "spec.template.spec.containers")?.array?.first?.object?["image"]?.string
        #expect(image == "docker.io/nginxinc/nginx-unprivileged:1.27-alpine", "a real image on a real cluster")
        await server.stop()
    }
}
