import ArenaModel
import Fidelity
import Foundation
import TestSupport
import Testing

/// Many threads, compared with glibc: arenas created up to the limit and reused, the
/// free list after an exit, frees and reallocs across arenas, non-main heaps.
@Suite struct ThreadFidelityTests {
    static func differential() throws -> Differential {
        Differential(replayer: try GlibcReplayer.locate(TestSupport.product("glibc-replay")),
                     directory: try TestSupport.scratchDirectory())
    }

    /// One trace of each tunable setting of the generator, 2,000 ops each.
    @Test(arguments: 1...UInt64(10))
    func threadTraceIsIdentical(seed: UInt64) throws {
        print("threads trace seed \(seed)")
        let trace = TraceGenerator.trace(.threads, seed: seed, count: 2000)
        let c = try Self.differential().compare(trace, name: "threads-\(seed)")
        #expect(c.identical == c.ops, "\(c.report)")
        #expect(c.ops == 2000 && Set(trace.events.map(\.thread)).count > 1)
    }

    /// The traces reach what the thread set is for: exits, arenas reused, heaps grown
    /// and shrunk, arena_max 1, 2 and the default.
    @Test func threadTracesCoverArenasAndHeaps() throws {
        var coverage = Comparison.Coverage()
        let d = try Self.differential()
        for seed in UInt64(1)...10 {
            coverage.merge(try d.compare(TraceGenerator.trace(.threads, seed: seed, count: 4000), name: "cover-\(seed)").coverage)
        }
        #expect(coverage.threadExits > 0 && coverage.arenasReused > 0)
        #expect(coverage.heapsCreated > 0 && coverage.heapsGrown > 0 && coverage.heapsShrunk > 0)
        #expect(coverage.mostArenas >= 4)
        for setting in ["arena_max=1", "arena_max=2", "default"] {
            #expect(coverage.settings["tunables: " + setting, default: 0] > 0, "\(setting)")
        }
    }

    /// 20 threads with arena_test=1: glibc's limit, 8 x the CPU count, is reached when
    /// the host has fewer than 3 CPUs online, and the model stops where glibc stops. The
    /// count is the CPUs online, not the affinity mask (the 2.36 branch's __get_nprocs):
    /// under `taskset -c 0` the replay is the same.
    @Test func arenaLimitCountsTheCPUsOnline() throws {
        var text = "arenastress-trace 2\n# tunables: arena_test=1\n0 malloc 100 0\n"
        for t in 1...20 { text += "\(t) malloc 100 \(t)\n" }
        let path = try TestSupport.file(text, in: try TestSupport.scratchDirectory())
        let c = try Self.differential().compare(file: path, name: "limit")
        #expect(c.identical == c.ops, "\(c.report)")
        let replayer = ModelReplayer(tunables: try Trace.read(from: path).tunables)
        _ = replayer.replay(try Trace.read(from: path))
        #expect(replayer.set.arenaCount == min(21, 8 * sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else {
            print("skipped the taskset half: no /usr/bin/taskset")
            return
        }
        let pinned = try TestSupport.run("/usr/bin/taskset", ["-c", "0", TestSupport.product("arenastress"), "replay-trace", "--compare", path])
        if pinned.status != 0 && pinned.err.contains("taskset") {
            print("skipped the taskset half: \(pinned.err)")
            return
        }
        #expect(pinned.status == 0, "\(pinned.out)\(pinned.err)")
        #expect(pinned.out == "fidelity: 21/21 ops identical\n")
    }

    /// glibc-replay checks every thread start against glibc's mallinfo2 and break and
    /// stops (exit status 3) if one touched glibc's heap: 300 threads started and ended
    /// one after the other replay.
    @Test func threadStartsLeaveGlibcHeapAlone() throws {
        var text = "arenastress-trace 2\n0 malloc 10 0\n"
        for t in 1...300 { text += "\(t) malloc 10 \(t % 7 + 1)\n\(t) free \(t % 5)\n\(t) exit\n" }
        let path = try TestSupport.file(text, in: try TestSupport.scratchDirectory())
        let glibc = try TestSupport.run(TestSupport.product("glibc-replay"), [path])
        #expect(glibc.status == 0, "\(glibc.err)")
        let c = try Self.differential().compare(file: path, name: "starts")
        #expect(c.identical == c.ops && c.coverage.threadExits == 300 && c.coverage.arenasReused > 0, "\(c.report)")
    }
}

extension ThreadFidelityTests {
    /// The generator's traces all read back (seed 123 once began on a thread that later
    /// exited: the main thread cannot): the first op is the main thread's, thread 0.
    @Test func generatedThreadTracesAreValid() throws {
        let directory = try TestSupport.scratchDirectory()
        for seed in UInt64(100)...140 {
            let trace = TraceGenerator.trace(.threads, seed: seed, count: 300)
            #expect(trace.events.first?.thread == 0, "seed \(seed)")
            try trace.write(to: directory + "/t.trace")
            #expect(try Trace.read(from: directory + "/t.trace") == trace, "seed \(seed)")
        }
    }
}
