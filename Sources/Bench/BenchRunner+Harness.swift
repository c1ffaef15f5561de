import ArenaStress
import Scenario

/// `harness` and `harness-random`: what the scenario driver itself costs per operation.
/// One worker churns blocks of 16 to 64 bytes with checks off, once against an
/// allocator that does nothing (target `null`) and once against the model; the null row
/// is the driver's cost (op stream, size sampling, slot table, op log, dispatch), the
/// model row the same plus the allocator. `harness` churns one slot (malloc and free
/// alternate: the driver's fixed cost), `harness-random` 1024 slots, where whether an op
/// frees or allocates is a coin toss the branch predictor loses half the time.
extension BenchRunner {
    public static let harnessNames = ["harness", "harness-random"]
    static let harnessDefaultOps = 4_000_000

    func runHarness(_ names: [String]) -> [BenchReport.Row] {
        names.flatMap { runHarness(name: $0, live: $0 == "harness" ? 1 : 1024) }
    }

    private func runHarness(name: String, live: Int) -> [BenchReport.Row] {
        let ops = ops ?? Self.harnessDefaultOps
        let scenario = Scenario(
            name: "harness", seed: 1, threads: ThreadsSpec(counts: [1]), check: .never,
            phases: [Phase(name: "churn",
                           kind: .churn(ChurnSpec(length: .ops(ops), live: live, size: .uniform(min: 16, max: 64))),
                           location: SourceLocation(file: "harness", line: 1, column: 1))],
            source: "harness")
        let runner = Runner(scenario: scenario)
        let point = scenario.sweepPoints[0]
        var times: [String: [Double]] = ["null": [], "model": []]
        var checksums: [String: UInt64] = [:]
        for rep in 0...reps {
            for target in ["null", "model"] {
                let report = target == "null" ? runner.runAgainstNothing(point) : runner.runOnModel(point)
                let phase = report.phases[0]
                precondition(report.violations.isEmpty, "arenastress: the harness run found \(report.violations[0].message)")
                if rep > 0 { times[target]!.append(Double(phase.nanoseconds) / Double(max(phase.ops, 1))) }
                checksums[target] = UInt64(phase.ops) &* 31 &+ UInt64(phase.liveBytes)
            }
        }
        let rows = ["null", "model"].map { target in
            BenchReport.Row(workload: name, target: target, threads: 1, ops: ops, nsPerOp: BenchReport.Spread(times[target]!),
                            ratioToGlibc: nil, osRequests: nil, checksum: "0x" + String(checksums[target]!, radix: 16))
        }
        onWorkloadDone?(rows)
        return rows
    }
}
