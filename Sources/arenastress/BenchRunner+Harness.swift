import ArenaStress
import Scenario

/// `harness`: what the scenario driver itself costs per operation. One worker churns
/// 1024 slots of 16 to 64 bytes (malloc and free, no checks between phases), once
/// against an allocator that does nothing (target `null`) and once against the model;
/// the null row is the driver's cost (op stream, size sampling, pattern written and
/// verified, slot table, op log), the model row the same plus the allocator.
extension BenchRunner {
    static let harnessName = "harness"
    static let harnessDefaultOps = 4_000_000

    func runHarness(_ selected: Bool) -> [BenchReport.Row] {
        guard selected else { return [] }
        let ops = ops ?? Self.harnessDefaultOps
        let scenario = Scenario(
            name: "harness", seed: 1, threads: ThreadsSpec(counts: [1]), check: .never,
            phases: [Phase(name: "churn",
                           kind: .churn(ChurnSpec(length: .ops(ops), live: 1024, size: .uniform(min: 16, max: 64))),
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
            BenchReport.Row(workload: Self.harnessName, target: target, threads: 1, ops: ops, nsPerOp: BenchReport.Spread(times[target]!),
                            ratioToGlibc: nil, osRequests: nil, checksum: "0x" + String(checksums[target]!, radix: 16))
        }
        onWorkloadDone?(rows)
        return rows
    }
}
