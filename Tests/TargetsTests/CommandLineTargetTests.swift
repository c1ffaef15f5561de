import Foundation
import Reporting
import Testing
import TestSupport
import Targets

@Suite struct CommandLineTargetTests {
    static let arenastress = TestSupport.product("arenastress")

    /// Two threads filling, churning with remote frees, freeing most and handing blocks over.
    static let tiny = """
        name: tiny
        target: model
        threads: {count: 2}
        phases:
          - name: fill
            allocate: {count: 500, size: {uniform: [8, 600]}}
          - name: churn
            churn: {ops: 5000, live: 500, size: {uniform: [8, 600]}, mix: {malloc: 1, realloc: 0.1, calloc: 0.1}, remote_free: 0.25}
          - name: free-90
            free: {fraction: 0.9, order: random}
          - name: hand
            handoff: {ops: 5000, batch: 128, size: {fixed: 64}}
        expect:
          violations: 0

        """

    @Test func targetAllRunsEveryInstalledTargetInOneReport() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.tiny, in: directory, named: "tiny.yaml")
        let result = try TestSupport.run(Self.arenastress, ["run", path, "--target", "all", "--json", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let report = try RunReport.decode(Data(result.out.utf8))
        let expected = ["model", "glibc"] + Peer.allCases.filter(installed).map(\.rawValue) + ["pool"]
        #expect(report.points.map(\.target) == expected)
        for point in report.points {
            #expect(point.violations.isEmpty, "\(point.target): \(point.violations.first?.message ?? "")")
            #expect(point.phases.map(\.name) == ["fill", "churn", "free-90", "hand"])
        }
        #expect(result.err.contains("side by side"))
    }

    @Test(.enabled(if: installed(.jemalloc), whyNot(.jemalloc)))
    func jemallocRunsThroughTheCommandLine() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.tiny, in: directory, named: "tiny.yaml")
        let result = try TestSupport.run(Self.arenastress, ["run", path, "--target", "jemalloc", "--json", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let report = try RunReport.decode(Data(result.out.utf8))
        #expect(report.points.map(\.target) == ["jemalloc"])
        #expect(report.points[0].phases.allSatisfy { ($0.heldBytes ?? 0) > 0 }, "jemalloc's own statistics are read")
    }

    @Test func aMissingTargetIsOneLineAndTheOthersRun() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.tiny, in: directory, named: "tiny.yaml")
        let result = try TestSupport.run("/usr/bin/env", ["ARENASTRESS_TCMALLOC=/nonexistent/libtcmalloc.so", Self.arenastress,
                                                          "run", path, "--target", "tcmalloc,glibc,pool", "--quiet", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let lines = result.err.split(separator: "\n").filter { $0.contains("tcmalloc") }
        #expect(lines == ["arenastress: tcmalloc skipped: target 'tcmalloc' is not installed: no /nonexistent/libtcmalloc.so (Debian package libtcmalloc-minimal4; `make deps` installs it)"])
        #expect(result.out.contains("report: "))
    }

    @Test func anUnknownTargetIsBadUsage() throws {
        let result = try TestSupport.run(Self.arenastress, ["run", TestSupport.packageRoot + "/Scenarios/message-pool.yaml", "--target", "model,hoard"])
        #expect(result.status == 2)
        #expect(result.err.contains("unknown target 'hoard'"))
    }

    @Test func messagePoolShowsThePoolsPoint() throws {
        let directory = try TestSupport.scratchDirectory()
        let result = try TestSupport.run(Self.arenastress, ["run", TestSupport.packageRoot + "/Scenarios/message-pool.yaml", "--json", "--reports", directory])
        #expect(result.status == 0, "\(result.err)")
        let point = try RunReport.decode(Data(result.out.utf8)).points[0]
        #expect(point.target == "pool")
        let held = point.phases.map(\.heldBytes)
        #expect(Set(held).count == 1, "the pool never gives memory back nor grows on the refill: \(held)")
    }
}
