import ArenaModel
import Fidelity
import Foundation
import Reporting
import TestSupport
import Testing
import TraceAnalysis

/// `arenastress analyze`: a trace per configuration on the model, where memory stays,
/// what malloc_trim(0) gives back, and the command line around it.
@Suite struct TraceAnalysisTests {
    static var arenastress: String { TestSupport.product("arenastress") }
    static var twoArenas: String { TestSupport.packageRoot + "/docs/traces/two-arenas.trace" }

    /// 20 blocks of 64 KiB on the main thread, all but the first and last freed: a hole of
    /// 18 blocks between two live ones, the last one under top.
    static let holeTrace = (["arenastress-trace 2", "# a hole between two live blocks"]
        + (0..<20).map { "0 malloc 65536 \($0)" } + (1..<19).map { "0 free \($0)" }).joined(separator: "\n") + "\n"

    static func configuration(arenaMax: Int, _ trace: Trace) -> AnalysisConfiguration {
        var t = trace.tunables
        t.apply(traceComment: "tunables: arena_max=\(arenaMax)")
        return AnalysisConfiguration(name: "arena_max=\(arenaMax)", tunables: t)
    }

    /// docs/traces/two-arenas.trace: threads 1 and 2 get arenas of their own and thread 3
    /// takes thread 1's from the free list, so 3 arenas under arena_max 8; under
    /// arena_max 1 every thread shares the main arena.
    @Test func arenaCountsFollowArenaMax() throws {
        let source = try TraceSource(path: Self.twoArenas)
        let one = TraceAnalyzer.model(source, Self.configuration(arenaMax: 1, source.trace))
        let eight = TraceAnalyzer.model(source, Self.configuration(arenaMax: 8, source.trace))
        #expect(one.arenas == 1)
        #expect(one.atEnd.map(\.arena) == [0])
        #expect(eight.arenas == 3)
        #expect(eight.atEnd.map(\.arena) == [0, 1, 2])
        #expect(one.tunables.contains("arena_max=1") && eight.tunables.contains("arena_max=8"))
        // A heap map per heap, at the end and at the peak: the main heap alone under arena_max 1.
        #expect(one.heapMapsAtEnd.map(\.arena) == [0])
        #expect(Set(eight.heapMapsAtEnd.map(\.arena)) == [0, 1, 2])
        #expect(!one.heapMapsAtPeak.isEmpty && !eight.heapMapsAtPeak.isEmpty)
        for c in [one, eight] {
            #expect(c.peakHeldBytes >= c.finalHeldBytes && c.peakHeldBytes > 0)
            #expect(c.memory.last?.op == source.trace.events.count - 1)
            #expect(c.atPeak.map(\.arena).allSatisfy { c.atEnd.map(\.arena).contains($0) })
            // Held per arena adds up to what the model holds without mmapped chunks (none here).
            #expect(c.atEnd.reduce(0) { $0 + $1.heldBytes } == c.finalHeldBytes)
        }
    }

    /// --concurrent: under arena_max 1 every thread's ops go through the main arena's
    /// lock, whatever the scheduling, so the one arena there is takes every lock use.
    @Test func theConcurrentReplayCountsEachArenaLock() throws {
        let source = try TraceSource(path: Self.twoArenas)
        let one = try TraceAnalyzer.concurrent(source, Self.configuration(arenaMax: 1, source.trace))
        #expect(one.arenas == 1)
        #expect(one.threads == source.threads)
        #expect(one.locks.map(\.arena) == [0])
        #expect((one.locks.first?.acquisitions ?? 0) > 0)
        #expect(one.locks.allSatisfy { $0.contended <= $0.acquisitions })
        let eight = try TraceAnalyzer.concurrent(source, Self.configuration(arenaMax: 8, source.trace))
        #expect(eight.arenas >= 1 && eight.arenas <= 8)
        #expect(eight.locks.allSatisfy { $0.arena < eight.arenas })
    }

    /// A hole of free 64 KiB blocks between live ones: malloc_trim(0) gives back its
    /// whole pages, and the last block, made by op 19 (line 22), keeps top where it is.
    @Test func aHoleIsTrimmableAndTheBlockUnderTopIsNamed() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file(Self.holeTrace, in: directory, named: "hole.trace")
        try "arenastress-callers 1\nat 21 0x401000\nat 22 0x401234\nnot a line\nsym 0x401234 make_buffer+0x14 /tmp/main\n".write(toFile: path + ".callers", atomically: true, encoding: .utf8)
        let source = try TraceSource(path: path)
        #expect(source.callersPath == path + ".callers")
        let c = TraceAnalyzer.model(source, AnalysisConfiguration(name: "default", tunables: source.trace.tunables))
        #expect(c.arenas == 1)
        #expect(c.finalLiveBytes == 2 * 65536)
        #expect(c.peakLiveBytes == 20 * 65536)
        // The hole is 18 chunks of 64 KiB + 16: all but its first and last page go back.
        #expect(c.trimmableBytes >= 17 * 65536)
        #expect(c.atEnd[0].trimmableBytes == c.trimmableBytes)
        #expect(c.atEnd[0].free.unsorted + c.atEnd[0].free.small + c.atEnd[0].free.large >= 18 * 65536)
        let keeper = try #require(c.atEnd[0].topKeepers.first)
        #expect(keeper.owner == "block" && keeper.op == 19 && keeper.line == 22 && keeper.thread == 0)
        #expect(keeper.caller == "make_buffer+0x14 (/tmp/main)")
        #expect(keeper.size == 65536 + 16)
    }

    /// docs/traces/worker-holes.trace: four workers each keep their first and last buffer
    /// and free the 38 between: one arena under arena_max 1, five under arena_max 8, and
    /// in each worker's arena a hole that malloc_trim(0) gives back, its top kept by the
    /// worker's last buffer.
    @Test func workersThatLeaveHolesHaveTrimmableArenas() throws {
        let source = try TraceSource(path: TestSupport.packageRoot + "/docs/traces/worker-holes.trace")
        let one = TraceAnalyzer.model(source, Self.configuration(arenaMax: 1, source.trace))
        let eight = TraceAnalyzer.model(source, Self.configuration(arenaMax: 8, source.trace))
        #expect(one.arenas == 1 && eight.arenas == 5)
        #expect(one.trimmableBytes >= 4 * 38 * 24576 * 9 / 10)
        for arena in eight.atEnd where arena.arena > 0 {
            #expect((arena.trimmableBytes ?? 0) >= 38 * 24576 * 9 / 10, "arena \(arena.arena)")
            let keeper = try #require(arena.topKeepers.first)
            #expect(keeper.owner == "block" && keeper.thread == arena.arena && keeper.size == 24576 + 16)
        }
    }

    /// A trace with nothing freed at all ends with live blocks, which is normal.
    @Test func aTraceThatNeverFreesIsAnalysed() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("arenastress-trace 2\n0 malloc 100 0\n1 malloc 200 1\n", in: directory)
        let source = try TraceSource(path: path)
        let c = TraceAnalyzer.model(source, AnalysisConfiguration(name: "default", tunables: source.trace.tunables))
        #expect(c.finalLiveBytes == 300)
        #expect(c.arenas == 2)
    }

    /// A bad trace: the error names its line and column, as replay-trace's does.
    @Test func aBadTraceIsRefusedAtItsLineAndColumn() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("arenastress-trace 2\n0 malloc 100 0\n0 malloc x 1\n", in: directory)
        #expect(throws: TraceError.self) { try TraceSource(path: path) }
        do {
            _ = try TraceSource(path: path)
        } catch {
            #expect(error.line == 3 && error.column == 10, "\(error)")
        }
        let reports = directory + "/reports"
        let result = try TestSupport.run(Self.arenastress, ["analyze", path, "--reports", reports, "--target", "model"])
        #expect(result.status == 2)
        #expect(result.err.hasPrefix("\(path):3:10: "), "\(result.err)")
        #expect(result.err.split(separator: "\n").count == 1)
        #expect(result.out.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: reports))
    }

    /// Bad flags: one line, exit 2, nothing written.
    @Test func badFlagsAreRefused() throws {
        let reports = try TestSupport.scratchDirectory() + "/reports"
        let analyze = ["analyze", Self.twoArenas, "--reports", reports]
        let cases: [[String]] = [
            analyze + ["--arena-max", ""], analyze + ["--arena-max", "0"], analyze + ["--arena-max", "x"],
            analyze + ["--arena-max", "1,,2"], analyze + ["--arena-max", "1,1"], analyze + ["--arena-max", "99999999999999999999"],
            analyze + ["--target", "bogus"], analyze + ["--target", ""], analyze + ["--target", "glibc,glibc"],
            analyze + ["--tunable", "nope=1"], analyze + ["--tunable", "arena_max=x"], analyze + ["--reports", ""],
        ]
        for arguments in cases {
            let result = try TestSupport.run(Self.arenastress, arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(result.err.split(separator: "\n").count == 1, "\(arguments): \(result.err)")
            #expect(result.out.isEmpty, "\(arguments): \(result.out)")
        }
        #expect(!FileManager.default.fileExists(atPath: reports))
    }

    /// `analyze --json` on the known trace: the report on stdout with the promised keys,
    /// the report's files written, glibc beside the model (1 arena under arena_max 1) when
    /// glibc-replay is built.
    @Test func jsonCarriesThePromisedKeysAndTheReportIsWritten() throws {
        let reports = try TestSupport.scratchDirectory() + "/reports"
        let result = try TestSupport.run(Self.arenastress, ["analyze", Self.twoArenas, "--arena-max", "1,8", "--json", "--reports", reports])
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let configurations = try #require(object["configurations"] as? [[String: Any]])
        #expect(configurations.count == 2)
        for key in ["arenas", "peak_held_bytes", "final_held_bytes", "final_resident_bytes", "final_live_bytes", "trimmable_bytes"] {
            #expect(configurations.allSatisfy { $0[key] is Int }, "\(key)")
        }
        #expect(configurations.map { $0["arenas"] as? Int } == [1, 3])
        let report = try AnalyzeReport.decode(Data(result.out.utf8))
        let glibc = report.configurations[0].real.first { $0.target == "glibc" }
        if let glibc, glibc.note == nil {
            #expect(glibc.arenas == 1)
            #expect((glibc.peakResidentBytes ?? 0) >= (glibc.startResidentBytes ?? 0))
        } else {
            print("glibc not replayed: \(glibc?.note ?? "no entry")")
        }
        let folder = try #require(result.err.split(separator: "\n").first { $0.hasPrefix("report: ") }?.dropFirst("report: ".count))
            .replacingOccurrences(of: "/report.json", with: "")
        #expect(folder.hasPrefix(reports + "/analyze/two-arenas/"))
        for file in ["report.json", "report.md", "index.html", "memory-arena-max-1.svg", "memory-arena-max-8.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
    }
}
