import ArenaModel
import Fidelity
import TestSupport
import Testing

/// The model against this machine's glibc, op by op: the named traces and a seeded
/// subset of the random ones (`make fidelity` runs 200 random traces and the full
/// million).
@Suite struct DifferentialTests {
    static func differential() throws -> Differential {
        Differential(replayer: try GlibcReplayer.locate(TestSupport.product("glibc-replay")),
                     directory: try TestSupport.scratchDirectory())
    }

    // The million-pair trace is periodic after its first pair: 100,000 pairs show as much.
    @Test(arguments: TraceKind.allCases.filter { $0 != .random })
    func namedTraceIsIdentical(kind: TraceKind) throws {
        let trace = TraceGenerator.trace(kind, seed: 1, count: kind == .million ? 100_000 : nil)
        let c = try Self.differential().compare(trace, name: kind.rawValue)
        #expect(c.identical == c.ops, "\(c.report)")
        #expect(c.ops == trace.events.count)
    }

    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func randomTraceIsIdentical(seed: UInt64) throws {
        print("randomTraceIsIdentical seed \(seed)")
        let trace = TraceGenerator.trace(.random, seed: seed, count: 10_000)
        let c = try Self.differential().compare(trace, name: "random-\(seed)")
        #expect(c.identical == c.ops, "seed \(seed): \(c.report)")
        #expect(c.ops == 10_000)
    }

    /// The traces reach every path of malloc and free, and make the kernel requests
    /// that matter, so that "identical" covers them.
    @Test func tracesReachEveryPath() {
        let seeds: [UInt64] = Array(1...20)
        print("tracesReachEveryPath seeds \(seeds.first!)...\(seeds.last!)")
        var paths: [Counter: Int] = [:]
        var mremap = 0, madvise = 0, brk = 0
        let traces = seeds.map { TraceGenerator.trace(.random, seed: $0, count: 10_000) } + [TraceGenerator.trace(.threshold, seed: 1)]
        for trace in traces {
            let replayer = ModelReplayer()
            _ = replayer.replay(trace)
            paths.merge(replayer.counters, uniquingKeysWith: +)
            mremap += replayer.set.osCounters.mremap
            madvise += replayer.set.osCounters.madvise
            brk += replayer.set.osCounters.brk
        }
        let served: [Counter] = [.tcacheHit, .fastbinHit, .smallbinHit, .unsortedExact, .lastRemainderSplit, .largebinHit,
                                 .binmapHit, .topSplit, .sysmalloc, .mmapped, .fastbinFree, .binFree, .topMerge, .reallocInPlace]
        for counter in served { #expect(paths[counter, default: 0] > 0, "\(counter) never taken") }
        #expect(mremap > 0 && madvise > 0 && brk > traces.count)
    }

    /// The random traces make requests at the size limits (sizes no memory can meet,
    /// overflowing calloc products, alignments of 2^48 and up), a small share of their
    /// ops, each NULL on the model; `randomTraceIsIdentical` says glibc agrees.
    @Test func randomTracesReachTheSizeLimits() {
        let seeds: [UInt64] = Array(1...20)
        print("randomTracesReachTheSizeLimits seeds \(seeds.first!)...\(seeds.last!)")
        var refused: [String: Int] = [:]
        var ops = 0
        for seed in seeds {
            let trace = TraceGenerator.trace(.random, seed: seed, count: 10_000)
            let results = ModelReplayer(slotCount: trace.slotCount).replay(trace)
            ops += trace.events.count
            for (event, result) in zip(trace.events, results) {
                let kind: String
                switch event.op {
                case .malloc(let size, _) where size >= 1 << 48: kind = "malloc"
                case .realloc(let size, _) where size >= 1 << 48: kind = "realloc"
                case .calloc(let count, let size, _) where count.multipliedReportingOverflow(by: size).overflow: kind = "calloc"
                case .memalign(let alignment, let size, _) where alignment >= 1 << 48 || size >= 1 << 48: kind = "memalign"
                default: continue
                }
                guard case .null = result else {
                    Issue.record("seed \(seed): \(event) gave \(result)")
                    continue
                }
                refused[kind, default: 0] += 1
            }
        }
        for kind in ["malloc", "realloc", "calloc", "memalign"] { #expect(refused[kind, default: 0] > 0, "no refused \(kind)") }
        #expect(refused.values.reduce(0, +) < ops / 100)
    }

    /// A divergence names its op and shows both heaps' bins; here glibc's side is a
    /// stand-in that misplaces the third op's chunk.
    @Test func firstDivergenceShowsBothHeaps() throws {
        let directory = try TestSupport.scratchDirectory()
        let script = """
            #!/bin/sh
            if [ "$2" = --dump-after ]; then
              printf 'p 290 71 21000\\ndump top 300 20c00\\ndump system_mem 21000\\n'
            else
              printf 'p 290 71 21000\\nf 21000\\np 2a0 71 21000\\np 300 71 21000\\n'
            fi
            """
        let stand = try TestSupport.file(script, in: directory, named: "fake-glibc-replay")
        _ = try TestSupport.run("/bin/chmod", ["+x", stand])
        let trace = Trace(events: [.malloc(size: 100, slot: 0), .free(slot: 0), .malloc(size: 100, slot: 0), .malloc(size: 100, slot: 1)]
            .map { TraceEvent(thread: 0, $0) })
        let c = try Differential(replayer: GlibcReplayer(path: stand), directory: directory).compare(trace, name: "stand-in")
        #expect(c.identical == 3 && c.ops == 4)
        let d = try #require(c.firstDivergence)
        #expect(d.index == 2)
        #expect(d.model == [.chunk(offset: 0x290, head: 0x71, brk: 0x21000)])
        #expect(d.glibc == [.chunk(offset: 0x2a0, head: 0x71, brk: 0x21000)])
        #expect(c.report.contains("first divergence at op 3 of 4"))
        // The model's top is at 0x300 too, but of another size.
        #expect(d.bins.contains("* top "))
        #expect(d.bins.contains("  system_mem "))
    }
}
