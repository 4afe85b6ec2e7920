import Foundation

/// One timed benchmark: the median of `runs` runs after one warm-up run.
struct Benchmark {
    let name: String
    let runs: Int
    let unit: String
    let perRun: Double
    let body: () throws -> Void

    func measure() throws -> Double {
        try body()
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<runs {
            let elapsed = try clock.measure { try body() }
            samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return samples.sorted()[samples.count / 2]
    }
}
