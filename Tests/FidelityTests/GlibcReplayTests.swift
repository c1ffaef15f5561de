import ArenaModel
import Foundation
import Fidelity
import TestSupport
import Testing

/// glibc-replay runs a trace on a glibc heap that holds nothing else, and reads that
/// heap's bins as the model's are read.
@Suite struct GlibcReplayTests {
    @Test func glibcHeapHoldsOnlyTheTrace() throws {
        let directory = try TestSupport.scratchDirectory()
        let path = try TestSupport.file("arenastress-trace 1\n0 malloc 24 0\n0 malloc 200000 1\n0 free 0\n0 trim 0\n", in: directory)
        let results = try GlibcReplayer.locate(TestSupport.product("glibc-replay")).replay(path)
        // The tcache (a 0x290 chunk) comes first, as in the model: nothing was there before.
        #expect(results == [
            .chunk(offset: 0x290, head: 0x21, brk: 0x21000),
            .mmapped(head: 0x31002, brk: 0x21000),
            .freed(brk: 0x21000),
            .trimmed(released: true, brk: 0x1000),
        ])
    }

    @Test func binsAreReadAlikeFromBothHeaps() throws {
        // Seven 0x30 chunks fill the tcache, the eighth goes to a fastbin; a 0x510 chunk
        // goes to the unsorted bin (a guard keeps it from top).
        var ops: [TraceEvent.Op] = (0..<8).map { .malloc(size: 40, slot: $0) }
        ops += [.malloc(size: 1280, slot: 8), .malloc(size: 10, slot: 9)]
        ops += (0..<9).map { .free(slot: $0) }
        let trace = Trace(events: ops.map { TraceEvent(thread: 0, $0) })
        let directory = try TestSupport.scratchDirectory()
        try trace.write(to: directory + "/bins.trace")
        let glibc = try GlibcReplayer(path: TestSupport.product("glibc-replay")).bins(directory + "/bins.trace", after: ops.count - 1)
        let replayer = ModelReplayer()
        _ = replayer.replay(trace)
        let model = BinSnapshot(model: replayer.set)
        #expect(model == glibc, "\n\(BinSnapshot.sideBySide(model: model, glibc: glibc))")
        #expect(glibc.row("tcache at")?.values == ["0"])
        #expect(glibc.row("tcache 1")?.values == ["7", "3b0", "380", "350", "320", "2f0", "2c0", "290"])
        #expect(glibc.row("fast 1")?.values == ["3e0"])
        #expect(glibc.row("bin 1")?.values == ["410:510"])
        #expect(glibc.row("system_mem")?.values == ["21000"])
    }
}

extension GlibcReplayTests {
    /// Every arena's bins, read alike on both sides after each op of the hand-written
    /// trace (docs/traces): non-main arenas' rows (`aK `) and chunks of their heaps.
    @Test func binsOfEveryArenaAreReadAlike() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/traces/two-arenas.trace").path
        let trace = try Trace.read(from: path)
        let glibcReplayer = GlibcReplayer(path: TestSupport.product("glibc-replay"))
        var sawOtherArena = false
        for index in trace.events.indices {
            let replayer = ModelReplayer(tunables: trace.tunables, slotCount: trace.slotCount)
            for event in trace.events[...index] { _ = replayer.run(event) }
            let model = BinSnapshot(model: replayer.set)
            let glibc = try glibcReplayer.bins(path, after: index, tunables: trace.tunables)
            #expect(model == glibc, "after op \(index + 1)\n\(BinSnapshot.sideBySide(model: model, glibc: glibc))")
            sawOtherArena = sawOtherArena || glibc.rows.contains { $0.values.contains { $0.hasPrefix("1/0/") } }
        }
        #expect(sawOtherArena)
    }
}
