import Foundation
import Testing
@testable import Bench

/// The bench's names and report shape: what `arenastress bench --workload` and readers
/// of `Reports/bench/latest.json` rely on.
struct BenchTests {
    @Test func everyWorkloadNameReadsBackAndNoneIsTaken() {
        for workload in Workload.all { #expect(Workload(name: workload.name) == workload) }
        let names = Workload.all.map(\.name) + ThreadedBench.allCases.map(\.name) + BenchRunner.checkWalkNames + BenchRunner.harnessNames
        #expect(Set(names).count == names.count, "\(names)")
        #expect(Workload(name: "no-such-workload") == nil)
    }

    @Test func aRowWritesWhatItDoesNotKnowAsNull() throws {
        let row = BenchReport.Row(workload: "pair-100", target: "jemalloc", threads: 1, ops: 10,
                                  nsPerOp: BenchReport.Spread([3, 1, 2]), ratioToGlibc: nil, osRequests: nil, checksum: "ff")
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
        #expect(json["ratio_to_glibc"] is NSNull)
        #expect(json["os_requests"] is NSNull)
        #expect(json["ratio_to_plain"] == nil)
        let spread = try #require(json["ns_per_op"] as? [String: Double])
        #expect(spread["median"] == 2 && spread["min"] == 1 && spread["max"] == 3)
    }

    /// What `bench --single` counts for a threaded row: its pairs run (every block's
    /// address feeds the checksum), none when asked for none.
    @Test func aThreadedRowRunsOnceForCounting() {
        for bench in ThreadedBench.allCases where !bench.isLock {
            #expect(BenchRunner.runOnce(bench, on: .model, ops: 0) == 0, "\(bench.name)")
            #expect(BenchRunner.runOnce(bench, on: .model, ops: 8192) != 0, "\(bench.name)")
        }
    }

    @Test func aReportIsSchemaOneAndReadsBack() throws {
        let report = BenchReport(created: "2026-12-03T00:00:00Z", reps: 5, machine: .current(), rows: [])
        let data = try JSONEncoder().encode(report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        #expect(try JSONDecoder().decode(BenchReport.self, from: data).reps == 5)
    }
}
