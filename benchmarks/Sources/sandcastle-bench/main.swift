import Foundation

/// Benchmarks, run as a release build from the repository root:
///
///     swift run -c release sandcastle-bench            # the offline pipeline
///     swift run -c release sandcastle-bench webhooks   # webhook received → key enqueued
///     swift run -c release sandcastle-bench apply      # apply and unchanged re-apply of 30 objects
///     swift run -c release sandcastle-bench database   # template clone vs direct seed load (needs PostgreSQL)
///
/// Results and the commands that produced them are in benchmarks/README.md.
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case nil, "pipeline": try runPipelineBenchmarks()
case "webhooks": try await runWebhookBenchmark(deliveries: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
case "apply": try await runApplyBenchmark(runs: arguments.dropFirst().first.flatMap(Int.init) ?? 100)
case "database":
    let rest = Array(arguments.dropFirst())
    try await runDatabaseBenchmark(runs: rest.first.flatMap(Int.init) ?? 5, megabytes: rest.dropFirst().first.flatMap(Int.init) ?? 100)
default:
    FileHandle.standardError.write(Data("usage: sandcastle-bench [pipeline | webhooks [DELIVERIES] | apply [RUNS] | database [RUNS [MB]]]\n".utf8))
    exit(2)
}
