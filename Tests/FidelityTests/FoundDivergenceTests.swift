import Fidelity
import TestSupport
import Testing

/// Divergences the fidelity check once found, each reduced to a few ops and kept so
/// that the model never drifts back.
@Suite struct FoundDivergenceTests {
    /// glibc 2.36's systrim compares `top_area` (a long: -1 when top is MINSIZE) with
    /// `pad` (a size_t), so -1 passes as SIZE_MAX, `extra` comes out negative, and
    /// `MORECORE (-extra)` moves the break up a page: malloc_trim(0) grows the heap and
    /// says it released memory. The model once returned early; it now does the same.
    @Test func mallocTrimWithTopOfMinsizeGrowsTheHeap() throws {
        // The tcache (0x290) and two chunks leave a top of exactly 0x20.
        let trace = Trace(events: [.malloc(size: 100_000, slot: 0), .malloc(size: 34_456, slot: 1), .trim(pad: 0)]
            .map { TraceEvent(thread: 0, $0) })
        let directory = try TestSupport.scratchDirectory()
        try trace.write(to: directory + "/trim-minsize.trace")
        let glibc = try GlibcReplayer(path: TestSupport.product("glibc-replay")).replay(directory + "/trim-minsize.trace")
        #expect(glibc == [
            .chunk(offset: 0x290, head: 0x186b1, brk: 0x21000),
            .chunk(offset: 0x18940, head: 0x86a1, brk: 0x21000),
            .trimmed(released: true, brk: 0x22000),
        ])
        let c = try Differential(replayer: GlibcReplayer(path: TestSupport.product("glibc-replay")), directory: directory)
            .compare(trace, name: "trim-minsize")
        #expect(c.identical == c.ops, "\(c.report)")
    }
}
