import Foundation
import SandcastleCore
import SandcastleDatabase
import SandcastleTestSupport

/// Time to a ready preview database with a ~100 MB seed: cloned from the seed's template vs the seed
/// SQL loaded directly, against the PostgreSQL server at `SANDCASTLE_TEST_POSTGRES_URL`.
func runDatabaseBenchmark(runs: Int, megabytes: Int) async throws {
    guard let url = ProcessInfo.processInfo.environment["SANDCASTLE_TEST_POSTGRES_URL"] else {
        throw BenchmarkFailure("set SANDCASTLE_TEST_POSTGRES_URL: eval \"$(scripts/test-postgres.sh start)\"")
    }
    let provisioner = PostgresProvisioner(admin: try PostgresAdmin(url: url))
    let seed = makeSeed(megabytes: megabytes)
    let bytes = seed.files.reduce(0) { $0 + $1.sql.utf8.count }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let run = UUID().uuidString.prefix(6).lowercased()

    print(String(format: "seed: %.1f MB of SQL (%d files), %d runs each", Double(bytes) / 1_000_000, seed.files.count, runs))
    /// Seconds to a ready database for one new preview (dropped afterwards).
    func provision(_ name: String, number: Int, template: Bool) async throws -> Double {
        let start = ContinuousClock.now
        _ = try await provisioner.ensure(Make.key(number), identifier: "sc_bench_\(run)_\(name)", seed: seed, template: template)
        let elapsed = seconds(ContinuousClock.now - start)
        try await provisioner.drop(identifier: "sc_bench_\(run)_\(name)")
        return elapsed
    }
    var direct: [Double] = []
    for index in 0..<runs {
        direct.append(try await provision("direct_\(index)", number: 900_000 + index, template: false))
        print(String(format: "  direct load %d: %.2f s", index + 1, direct.last!))
    }
    let build = try await provision("clone_build", number: 910_000, template: true)
    print(String(format: "  template build (once per seed, includes the first clone): %.2f s", build))
    var cloned: [Double] = []
    for index in 0..<runs {
        cloned.append(try await provision("clone_\(index)", number: 920_000 + index, template: true))
        print(String(format: "  template clone %d: %.3f s", index + 1, cloned.last!))
    }
    _ = try await provisioner.dropUnusedTemplates(olderThan: 0, now: Date().addingTimeInterval(60))
    print("| path | median | runs |")
    print("|---|---|---|")
    print(String(format: "| load the seed SQL directly | %.2f s | %d |", median(direct), runs))
    print(String(format: "| clone the seed's template | %.3f s | %d |", median(cloned), runs))
    print(String(format: "ratio: the clone is %.1f times faster (template build once: %.2f s)", median(direct) / median(cloned), build))
}

/// `items` with an index and ~`megabytes` MB of multi-row INSERTs, in two files.
func makeSeed(megabytes: Int) -> SeedSource {
    let schema = """
        CREATE TABLE items (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
        CREATE INDEX items_sku ON items (sku);
        """
    var data = ""
    data.reserveCapacity(megabytes * 1_050_000)
    let payload = String(repeating: "lorem ipsum dolor sit amet ", count: 3)
    var id = 0
    while data.utf8.count < megabytes * 1_000_000 {
        data += "INSERT INTO items VALUES\n"
        for row in 0..<1000 {
            id += 1
            data += "(\(id), 'SKU-\(id % 9973)', 'item \(id)', '\(payload)', '2026-11-22T00:00:00Z')\(row == 999 ? ";\n" : ",\n")"
        }
    }
    return SeedSource(files: [.init(name: "001-schema.sql", sql: schema), .init(name: "002-items.sql", sql: data)])
}
