import Foundation
import Reporting
import Testing
import TestSupport
import Targets

/// Real glibc at each sweep point's arena settings, a child process per point; the
/// peers and the pool, which have no arena policy, run each thread count once.
@Suite struct GlibcUnderPointSettingsTests {
    static let arenastress = TestSupport.product("arenastress")

    static let probe = """
        name: arenas-probe
        seed: 3
        target: glibc
        threads: {count: [2, 4], arenas: [shared, per-thread]}
        check: end
        phases:
          - name: fill
            allocate: {count: 300, size: {uniform: [16, 512]}}
          - name: churn
            churn: {ops: 3000, live: 300, size: {uniform: [16, 512]}}

        """

    @Test func glibcUsesTheArenasEachPointAsksForAsTheModelDoes() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.probe, in: directory, named: "probe.yaml")
        let result = try TestSupport.run(Self.arenastress, ["sweep", path, "--target", "glibc,model", "--json", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let report = try RunReport.decode(Data(result.out.utf8))
        let glibc = report.points.filter { $0.target == "glibc" }, model = report.points.filter { $0.target == "model" }
        #expect(glibc.map(\.point) == model.map(\.point))
        // shared at 2 and 4 threads, then per-thread at 2 and 4.
        #expect(glibc.map { $0.phases.last?.arenas } == [1, 1, 2, 4])
        #expect(glibc.map { $0.phases.last?.arenas } == model.map { $0.phases.last?.arenas })
        #expect(glibc.map { $0.glibcTunables ?? [] } == [["glibc.malloc.arena_max=1"], ["glibc.malloc.arena_max=1"],
                                                        ["glibc.malloc.arena_max=2"], ["glibc.malloc.arena_max=4"]])
        #expect(report.notes == nil)
    }

    @Test func theScenariosTunablesReachGlibc() throws {
        let directory = try TestSupport.scratchDirectory()
        // arena_max 3 at 4 threads: without it glibc would make an arena per worker.
        let yaml = Self.probe.replacingOccurrences(of: "target: glibc\n", with: "target: glibc\ntunables: {tcache_count: 0, perturb: 165, arena_max: 3}\n")
            .replacingOccurrences(of: "count: [2, 4], arenas: [shared, per-thread]", with: "count: 4, arenas: glibc")
        let path = try TestSupport.file(yaml, in: directory, named: "tuned.yaml")
        let result = try TestSupport.run(Self.arenastress, ["run", path, "--json", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let point = try #require(try RunReport.decode(Data(result.out.utf8)).points.first)
        #expect(point.glibcTunables == ["glibc.malloc.arena_max=3", "glibc.malloc.tcache_count=0", "glibc.malloc.perturb=165"])
        #expect(point.phases.last?.arenas == 3)
    }

    @Test func thePoolRunsEachThreadCountOnceAndTheReportSaysWhy() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.probe.replacingOccurrences(of: "target: glibc", with: "target: pool"), in: directory, named: "pool.yaml")
        let result = try TestSupport.run(Self.arenastress, ["sweep", path, "--json", "--reports", directory + "/reports"])
        #expect(result.status == 0, "\(result.err)")
        let report = try RunReport.decode(Data(result.out.utf8))
        #expect(report.points.map(\.point.threads) == [2, 4])
        #expect(report.notes?.count == 1)
        #expect(report.notes?.first?.contains("does not apply") == true, "\(report.notes ?? [])")
    }

    @Test func mallocInfoCountsEveryArena() throws {
        let xml = try #require(GlibcMallocInfo.xml())
        #expect(GlibcMallocInfo.arenas(in: xml) >= 1, "\(xml.prefix(200))")
        #expect(GlibcMallocInfo.arenas(in: "<malloc version=\"1\">\n<heap nr=\"0\">\n</heap>\n<heap nr=\"1\">\n</heap>\n</malloc>") == 2)
        #expect(GlibcMallocInfo.arenas(in: "<malloc version=\"1\"></malloc>") == 0)
    }
}
