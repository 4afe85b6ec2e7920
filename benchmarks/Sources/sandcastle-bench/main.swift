import Foundation

/// Benchmarks, run as a release build from the repository root:
///
///     swift run -c release sandcastle-bench            # the offline pipeline
///     swift run -c release sandcastle-bench webhooks   # webhook received → key enqueued
///     swift run -c release sandcastle-bench apply      # apply and unchanged re-apply of 30 objects
///     swift run -c release sandcastle-bench apply-burst # 50 first applies at once, nothing else: the floor under rollout
///     swift run -c release sandcastle-bench database   # template clone vs direct seed load (needs PostgreSQL)
///     swift run -c release sandcastle-bench ready      # webhook -> 30-object environment applied and Ready (add `200 kustomize`)
///     swift run -c release sandcastle-bench resync     # resync of 1,000 unchanged PRs in 50 repositories
///     swift run -c release sandcastle-bench rollout    # 50 PRs at once, workloads ready after 2 s: overhead and watch detection
///     swift run -c release sandcastle-bench registry   # digest resolution per image on loopback (cold, cached), needs docker-registry
///
/// Results and the commands that produced them are in benchmarks/README.md.
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case nil, "pipeline": try runPipelineBenchmarks()
case "webhooks": try await runWebhookBenchmark(deliveries: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
case "apply": try await runApplyBenchmark(runs: arguments.dropFirst().first.flatMap(Int.init) ?? 100)
case "apply-burst": try await runApplyBurstBenchmark(previews: arguments.dropFirst().first.flatMap(Int.init) ?? 50)
case "database":
    let rest = Array(arguments.dropFirst())
    try await runDatabaseBenchmark(runs: rest.first.flatMap(Int.init) ?? 5, megabytes: rest.dropFirst().first.flatMap(Int.init) ?? 100)
case "ready":
    let rest = Array(arguments.dropFirst())
    try await runWebhookToReadyBenchmark(runs: rest.first.flatMap(Int.init) ?? 200, kustomize: rest.dropFirst().first == "kustomize")
case "resync":
    let rest = Array(arguments.dropFirst())
    try await runResyncBenchmark(
        repositories: rest.first.flatMap(Int.init) ?? 50, perRepository: rest.dropFirst().first.flatMap(Int.init) ?? 20,
        passes: rest.dropFirst(2).first.flatMap(Int.init) ?? 5)
case "rollout":
    let rest = Array(arguments.dropFirst())
    try await runRolloutBenchmark(
        prs: rest.first.flatMap(Int.init) ?? 50, delay: (rest.dropFirst().first.flatMap(Double.init) ?? 2000) / 1000,
        workers: rest.dropFirst(2).first.flatMap(Int.init) ?? 4)
case "gitops":
    let rest = Array(arguments.dropFirst())
    try await runGitOpsBenchmark(prs: rest.first.flatMap(Int.init) ?? 50, delay: (rest.dropFirst().first.flatMap(Double.init) ?? 2000) / 1000)
case "registry": try await runRegistryBenchmark(images: arguments.dropFirst().first.flatMap(Int.init) ?? 20)
default:
    FileHandle.standardError.write(
        Data(
            "usage: sandcastle-bench [pipeline | webhooks [DELIVERIES] | apply [RUNS] | apply-burst [PREVIEWS] | database [RUNS [MB]] | ready [RUNS [kustomize]] | resync [REPOS [PRS] [PASSES]] | rollout [PRS [DELAY_MS [WORKERS]]] | gitops [PRS [DELAY_MS]] | registry [IMAGES]]\n"
                .utf8))
    exit(2)
}
