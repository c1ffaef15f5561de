import ArenaModel
import Contention
import HeapCheck
import Randomness

/// `check-walk` and `check-walk-ledger`: a full HeapCheck of a main heap of about a
/// million chunks, timed per chunk walked; the second also checks a ledger of every
/// live block (G1-G3). Model only: glibc has no checker, so the rows have no ratio.
///
/// The heap: blocks of 16 to 64 bytes (chunks 0x20-0x50), every tenth freed, so that
/// the tcache and the fastbins hold about 100,000 chunks between the live ones.
extension BenchRunner {
    static let checkWalkNames = ["check-walk", "check-walk-ledger"]
    static let checkWalkDefaultChunks = 1_000_000

    /// Builds the heap untimed, then for each row checks it once to warm up and `reps`
    /// times timed. `--ops` sets the number of chunks.
    func runCheckWalk(_ names: [String]) -> [BenchReport.Row] {
        guard targets.contains(.model), !names.isEmpty else { return [] }
        let chunks = ops ?? Self.checkWalkDefaultChunks
        let set = ArenaSet()
        let thread = set.attachThread()
        var ledger = Ledger(capacity: chunks)
        var random = SplitMix64(seed: 3)
        var freed: [UnsafeMutableRawPointer] = []
        freed.reserveCapacity(chunks / 10 + 1)
        for i in 0..<max(chunks - 2, 1) {
            let size = 16 + Int(random.next() % 49)
            let p = thread.malloc(size)!
            if i % 10 == 9 { freed.append(p) } else { ledger.add(p, requestSize: size, id: UInt64(i)) }
        }
        freed.forEach(thread.free)
        let checker = HeapChecker()
        return names.map { name in
            let ledgers = name == "check-walk-ledger" ? [ledger] : []
            var times: [Double] = []
            var report = checker.check(set, ledgers: ledgers)
            for _ in 0..<reps {
                let start = monotonicNanoseconds()
                report = checker.check(set, ledgers: ledgers)
                times.append(Double(monotonicNanoseconds() - start) / Double(report.statistics.chunks))
            }
            precondition(report.isSound, "arenastress: the check-walk heap is not sound: \(report)")
            let s = report.statistics
            let checksum = UInt64(s.chunks) &* 0x9E37_79B9 &+ UInt64(s.cachedChunks) &* 31 &+ UInt64(s.ledgerBlocks)
            let row = BenchReport.Row(
                workload: name, target: TargetName.model.rawValue, threads: 1, ops: s.chunks,
                nsPerOp: BenchReport.Spread(times), ratioToGlibc: nil, osRequests: nil,
                checksum: "0x" + String(checksum, radix: 16))
            onWorkloadDone?([row])
            return row
        }
    }
}
