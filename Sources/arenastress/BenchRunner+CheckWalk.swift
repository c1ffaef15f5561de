import ArenaModel
import Glibc
import HeapCheck

/// `check-walk`: a full HeapCheck (every invariant, a ledger of every live block) of a
/// main heap of about a million chunks, timed per chunk walked. Model only: glibc has
/// no checker, so the row has no ratio.
extension BenchRunner {
    static let checkWalkName = "check-walk"
    static let checkWalkDefaultChunks = 1_000_000

    /// Builds the heap untimed, then checks it once to warm up and `reps` times timed.
    func runCheckWalk() -> [BenchReport.Row] {
        guard targets.contains(.model) else { return [] }
        let chunks = ops ?? Self.checkWalkDefaultChunks
        let set = ArenaSet()
        let thread = set.attachThread()
        var ledger = Ledger(capacity: chunks)
        var random = SplitMix64(seed: 3)
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(chunks)
        // Sizes 16..256: every tenth block freed, so the tcache, fastbins, unsorted and
        // small bins hold chunks between the live ones.
        for i in 0..<max(chunks - 2, 1) {
            let size = 16 + Int(random.next() % 241)
            let p = thread.malloc(size)!
            if i % 10 == 9 { blocks.append(p) } else { ledger.add(p, requestSize: size, id: UInt64(i)) }
        }
        blocks.forEach(thread.free)
        let checker = HeapChecker()
        var times: [Double] = []
        var walked = 0
        var checksum: UInt64 = 0
        for rep in 0...reps {
            let start = Self.monotonicNanoseconds()
            let report = checker.check(set, ledgers: [ledger])
            let elapsed = Self.monotonicNanoseconds() - start
            precondition(report.isSound, "arenastress: the check-walk heap is not sound: \(report)")
            walked = report.statistics.chunks
            checksum = UInt64(walked) &* 0x9E37_79B9 &+ UInt64(report.statistics.binnedChunks + report.statistics.cachedChunks)
            if rep > 0 { times.append(Double(elapsed) / Double(walked)) }
        }
        let row = BenchReport.Row(
            workload: Self.checkWalkName, target: TargetName.model.rawValue, threads: 1, ops: walked,
            nsPerOp: BenchReport.Spread(times), ratioToGlibc: nil, osRequests: nil,
            checksum: "0x" + String(checksum, radix: 16))
        onWorkloadDone?([row])
        return [row]
    }
}
