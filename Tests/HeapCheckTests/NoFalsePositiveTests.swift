import ArenaModel
import HeapCheck
import Testing

/// Sound heaps report nothing: seeded random programs (one to three threads, so
/// non-main arenas and remote frees; malloc, calloc, realloc, memalign, free of mixed
/// sizes with mmapped ones; malloc_trim), each of `opsPerSequence` operations with a
/// full check, ledger included, every 1,000 operations.
@Suite struct NoFalsePositiveTests {
    static let opsPerSequence = 10_000
    static let sequences = 1000
    static let batches = 8

    @Test(arguments: 0..<batches)
    func randomProgramsReportNoViolation(batch: Int) {
        let checker = HeapChecker()
        var mmappedSeen = 0, nonMainArenasSeen = 0, binnedSeen = 0
        for sequence in stride(from: batch, to: Self.sequences, by: Self.batches) {
            let seed = UInt64(sequence) &* 0x9E37_79B9 &+ 17
            let w = RandomWorkload(seed: seed, threads: 1 + sequence % 3, maxLive: 100 + sequence % 400)
            for round in 1...(Self.opsPerSequence / 1000) {
                let ran = w.run(1000)
                #expect(ran, "seed \(seed): the model failed: \(w.set.violations)")
                let report = checker.check(w.set, ledgers: [w.ledger], logs: [w.log])
                #expect(report.isSound, "seed \(seed) after \(round * 1000) ops: \(report)")
                mmappedSeen += report.statistics.mmappedChunks
                nonMainArenasSeen += report.statistics.arenas - 1
                binnedSeen += report.statistics.binnedChunks
                if !ran || !report.isSound { return }
            }
        }
        // The programs reach what the test claims to cover.
        #expect(mmappedSeen > 0 && nonMainArenasSeen > 0 && binnedSeen > 0, "batch \(batch): \(mmappedSeen), \(nonMainArenasSeen), \(binnedSeen)")
        print("NoFalsePositiveTests batch \(batch): \((Self.sequences + Self.batches - 1 - batch) / Self.batches) sequences of \(Self.opsPerSequence) ops, seeds i * 0x9E3779B9 + 17")
    }

    /// glibc's tunables change what a sound heap looks like: no tcache, no fastbins,
    /// perturbed frees, one arena, a fixed mmap threshold.
    @Test(arguments: 0..<4)
    func tunedModelsReportNoViolation(variant: Int) {
        var tunables = Tunables()
        switch variant {
        case 0: tunables.tcacheCount = 0; tunables.perturb = 0x5a
        case 1: tunables.mxfast = 0
        case 2: tunables.arenaMax = 1; tunables.tcacheMax = 200
        default: tunables.mmapThreshold = 4096; tunables.topPad = 0
        }
        let checker = HeapChecker()
        for sequence in 0..<10 {
            let seed = UInt64(variant * 100 + sequence)
            let w = RandomWorkload(seed: seed, threads: 1 + sequence % 3, maxLive: 200, tunables: tunables)
            for round in 1...10 {
                #expect(w.run(1000), "variant \(variant) seed \(seed): \(w.set.violations)")
                let report = checker.check(w.set, ledgers: [w.ledger], logs: [w.log])
                #expect(report.isSound, "variant \(variant) seed \(seed) after \(round * 1000) ops: \(report)")
                if !report.isSound { return }
            }
        }
    }
}
