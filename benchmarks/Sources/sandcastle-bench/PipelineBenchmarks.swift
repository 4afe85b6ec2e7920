import Foundation
import SandcastleCore

/// Benchmarks of the offline pipeline: config, names, planning, rendering.
func runPipelineBenchmarks() throws {
    let root = FileManager.default.currentDirectoryPath
    let config = try ConfigLoader.load(path: root + "/examples/sandcastle.yaml")
    let configText = try String(contentsOfFile: root + "/examples/sandcastle.yaml", encoding: .utf8)
    let shop = config.repository(RepositoryName(owner: "acme", name: "shop"))!.settings
    let blog = config.repository(RepositoryName(owner: "acme", name: "blog"))!.settings
    let sha = "0123456789abcdef0123456789abcdef01234567"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    let keys = (0..<100_000).map { i in
        PreviewKey(repository: RepositoryName(owner: "org\(i % 97)", name: i % 3 == 0 ? "Repo.\(i)" : "repo-\(i % 1000)"), number: i + 1)
    }

    func pullRequest(_ number: Int, state: PullRequestSnapshot.State = .open) -> PullRequestSnapshot {
        PullRequestSnapshot(
            key: PreviewKey(repository: RepositoryName(owner: "acme", name: "shop"), number: number), state: state, labels: ["preview"],
            headSHA: sha, headRepositoryID: 1, baseRepositoryID: 1, author: "dev",
            labelGrant: LabelGrant(label: "preview", addedBy: "lead", permission: .write), createdAt: now, lastActivityAt: now)
    }

    /// The facts of `count` previews: most ready and told, some changed, some new, some closed.
    func factsInput(_ count: Int) -> [PreviewFacts] {
        (1...count).map { n in
            let key = PreviewKey(repository: RepositoryName(owner: "acme", name: "shop"), number: n)
            let closed = n % 50 == 0
            var environment: EnvironmentFact?
            if n % 20 != 0 {
                environment = EnvironmentFact(
                    namespace: "pr-\(n)-shop", sha: sha, contentHash: "same", createdAt: now, deployStartedAt: now, appliedAt: now,
                    workloads: .observed([WorkloadFact(name: "Deployment/web", readiness: .ready)]))
            }
            return PreviewFacts(
                key: key, pullRequest: .read(pullRequest(n, state: closed ? .closed : .open)),
                render: RenderSummary(sha: sha, contentHash: n % 10 == 0 ? "new" : "same"), environment: environment, othersLive: count / 2)
        }
    }

    let blogBundle = try BundleFiles.read(
        directory: root + "/examples/blog/deploy/preview",
        variables: RenderContext(key: PreviewKey(repository: RepositoryName(owner: "acme", name: "blog"), number: 7), sha: sha, settings: blog)
            .variables
    ).manifests()
    var wide = shop
    wide.maxConcurrent = 100_000
    let small = factsInput(1_000)
    let large = factsInput(10_000)
    var sink = 0

    let benchmarks = [
        Benchmark(name: "parse and validate examples/sandcastle.yaml", runs: 200, unit: "µs/parse", perRun: 1) {
            sink &+= try ConfigLoader.parse(configText, file: "sandcastle.yaml").repositories.count
        },
        Benchmark(name: "namespace + host + database names, 100,000 keys", runs: 5, unit: "ns/key", perRun: Double(keys.count)) {
            for key in keys { sink &+= PreviewNames(key: key, settings: shop).namespace.utf8.count }
        },
        Benchmark(name: "Planner.next for 1,000 previews", runs: 50, unit: "ms/pass", perRun: 1) {
            for facts in small { sink &+= Planner.next(facts, settings: wide, now: now).message.utf8.count }
        },
        Benchmark(name: "Planner.next for 10,000 previews", runs: 10, unit: "ms/pass", perRun: 1) {
            for facts in large { sink &+= Planner.next(facts, settings: wide, now: now).message.utf8.count }
        },
        Benchmark(name: "assemble + hash the blog example (manifests, 12 objects)", runs: 200, unit: "µs/render", perRun: 1) {
            let context = RenderContext(key: PreviewKey(repository: RepositoryName(owner: "acme", name: "blog"), number: 7), sha: sha, settings: blog)
            sink &+= try Renderer().assemble(blogBundle, context: context).objects.count
        },
        Benchmark(name: "render the blog example from disk (manifests)", runs: 100, unit: "ms/render", perRun: 1) {
            let context = RenderContext(key: PreviewKey(repository: RepositoryName(owner: "acme", name: "blog"), number: 7), sha: sha, settings: blog)
            sink &+= try Renderer().render(context, bundleDirectory: root + "/examples/blog/deploy/preview").objects.count
        },
        Benchmark(name: "render the shop example from disk (kubectl kustomize)", runs: 10, unit: "ms/render", perRun: 1) {
            let context = RenderContext(
                key: PreviewKey(repository: RepositoryName(owner: "acme", name: "shop"), number: 42), sha: sha, settings: shop)
            sink &+= try Renderer().render(context, bundleDirectory: root + "/examples/shop/deploy/preview").objects.count
        },
    ]

    print("| benchmark | median | runs |")
    print("|---|---|---|")
    for benchmark in benchmarks {
        let seconds = try benchmark.measure()
        let scale: Double = benchmark.unit.hasPrefix("ns") ? 1e9 : benchmark.unit.hasPrefix("µs") ? 1e6 : 1e3
        print("| \(benchmark.name) | \(String(format: "%.2f", seconds * scale / benchmark.perRun)) \(benchmark.unit) | \(benchmark.runs) |")
    }
    if sink == 42 { print("") }
}
