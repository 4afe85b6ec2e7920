import Foundation

/// Benchmarks, run as a release build from the repository root:
///
///     swift run -c release sandcastle-bench            # the offline pipeline
///     swift run -c release sandcastle-bench webhooks   # webhook received → key enqueued
///
/// Results and the commands that produced them are in benchmarks/README.md.
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case nil, "pipeline": try runPipelineBenchmarks()
case "webhooks": try await runWebhookBenchmark(deliveries: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
default:
    FileHandle.standardError.write(Data("usage: sandcastle-bench [pipeline | webhooks [DELIVERIES]]\n".utf8))
    exit(2)
}
