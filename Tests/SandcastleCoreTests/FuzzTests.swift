import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// Bounded, deterministic mutation fuzzing of what reads untrusted or hand-written input: the
/// webhook decoder, the configuration loader and the Kustomization checker. Every mutant must be
/// accepted or refused with an error that names the input; none may crash or hang (each run is
/// timed). Seeds are fixed, so a failure reproduces.
@Suite struct FuzzTests {
    /// Tokens that matter to JSON and YAML parsers.
    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ":", ",", "\"", "'", "\\", "\n", "- ", "&a ", "*a", "<<: ", "!!binary ", "---\n", "|\n", "#", "\u{0}", "\u{FEFF}",
        "null", "true", "1e999", "-0", "99999999999999999999", "\"\\ud800\"", "    ", "\t", "%YAML 1.2\n", "? ",
    ].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else {
                bytes = tokens.randomElement(using: &generator)!
                continue
            }
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: at)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &generator)))
            case 3: bytes = Array(bytes.prefix(at))
            case 4:
                let end = min(bytes.count, at + Int.random(in: 1...64, using: &generator))
                bytes.insert(contentsOf: bytes[at..<end], at: end)
            default: bytes.swapAt(at, Int.random(in: 0..<bytes.count, using: &generator))
            }
        }
        return bytes
    }

    /// Runs `body` on `runs` mutants of `seed`, each within `limit` seconds.
    static func fuzz(_ seed: [UInt8], runs: Int, seedValue: UInt64, limit: Double = 2, _ body: ([UInt8]) -> String?) {
        var generator = SplitMix64(seed: seedValue)
        for run in 0..<runs {
            let mutant = mutate(seed, using: &generator)
            let started = Date()
            if let problem = body(mutant) {
                Issue.record("run \(run) (seed \(seedValue)): \(problem)")
                return
            }
            let elapsed = Date().timeIntervalSince(started)
            if elapsed > limit {
                Issue.record("run \(run) (seed \(seedValue)) took \(elapsed) s")
                return
            }
        }
    }

    @Test(arguments: [
        "pull_request.opened.payload.json", "pull_request.labeled.payload.json", "issue_comment.created.payload.json", "ping.payload.json",
    ])
    func theWebhookDecoderNamesTheEventForEveryMutant(fixture: String) throws {
        let seed = Array(try Fixtures.data("github-webhooks/\(fixture)"))
        let event = String(fixture.split(separator: ".")[0])
        Self.fuzz(seed, runs: 400, seedValue: UInt64(fixture.utf8.count)) { mutant in
            do {
                _ = try WebhookDecoder.decode(event: event, body: Data(mutant))
                return nil
            } catch let error as WebhookDecodingError {
                return error.description.contains("'\(event)' payload") ? nil : "the refusal does not name the event: \(error.description)"
            } catch {
                return "an untyped error: \(error)"
            }
        }
    }

    @Test func theConfigurationLoaderNamesTheFileForEveryMutant() throws {
        let seed = Array(try String(contentsOfFile: repositoryRoot(from: #filePath) + "/examples/sandcastle.yaml", encoding: .utf8).utf8)
        Self.fuzz(seed, runs: 400, seedValue: 42) { mutant in
            do {
                _ = try ConfigLoader.parse(String(decoding: mutant, as: UTF8.self), file: "fuzz.yaml")
                return nil
            } catch let error as ConfigError {
                return error.issues.allSatisfy { $0.description.hasPrefix("fuzz.yaml") }
                    ? nil : "an issue does not name the file: \(error.description)"
            } catch {
                return "an untyped error: \(error)"
            }
        }
    }

    @Test func theKustomizationCheckerNamesTheFileForEveryMutant() {
        let seed = Array(
            """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [app.yaml, base]
            configMapGenerator:
              - name: settings
                files: [conf/app.properties, key=conf/other.txt]
                envs: [conf/env]
            patches:
              - path: patch.yaml
                target: {kind: Deployment}
            images: [{name: nginx, newTag: "1.27"}]
            """.utf8)
        Self.fuzz(seed, runs: 400, seedValue: 7) { mutant in
            let files = BundleFiles(files: [BundleFiles.File(path: "deploy/kustomization.yaml", data: Data(mutant))])
            let issues = KustomizationPolicy.check(files)
            return issues.allSatisfy { $0.location.hasPrefix("deploy/kustomization.yaml") } ? nil : "an issue does not name the file: \(issues)"
        }
    }
}
