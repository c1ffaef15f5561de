import ArenaModel
import Contention
import HeapCheck
import Randomness

/// `check-walk` and `check-walk-ledger`: a full HeapCheck of a main heap of about a
/// million chunks, timed per chunk walked; the second also checks a ledger of every
/// live block (G1-G3). `memory-scan`: the same heap's bytes read start to end with
/// wide loads and nothing checked, per chunk: the floor the checks are held against,
/// whatever the machine's memory and load. `check-content`: G3's whole-pattern check alone over live blocks
/// of 16 bytes to 4 KiB, timed per live byte. Model only: glibc has no checker, so the
/// rows have no ratio.
///
/// The heap: blocks of 16 to 64 bytes (chunks 0x20-0x50), every tenth freed, so that
/// the tcache and the fastbins hold about 100,000 chunks between the live ones.
extension BenchRunner {
    public static let checkWalkNames = ["memory-scan", "check-walk", "check-walk-ledger", "check-content"]
    static let checkWalkDefaultChunks = 1_000_000
    /// About 33 MB of live bytes: past the caches, as a heap check meets them.
    static let checkContentBlocks = 16_384

    /// Builds the heap untimed, then for each row checks it once to warm up and `reps`
    /// times timed. `--ops` sets the number of chunks (not the blocks of `check-content`).
    func runCheckWalk(_ names: [String]) -> [BenchReport.Row] {
        guard targets.contains(.model), !names.isEmpty else { return [] }
        let content = names.contains("check-content") ? [runCheckContent()] : []
        let names = names.filter { $0 != "check-content" }
        guard !names.isEmpty else { return content }
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
            if name == "memory-scan" { return runMemoryScan(set, chunks: checker.check(set).statistics.chunks) }
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
        } + content
    }

    /// Reads every byte of `set`'s main heap in address order, 64 bytes a round, folded
    /// into one word: nanoseconds per chunk of the heap's `chunks`.
    func runMemoryScan(_ set: ArenaSet, chunks: Int) -> BenchReport.Row {
        let heap = UnsafeRawBufferPointer(set.mainHeap!)
        var fold = scanMemory(heap)
        var times: [Double] = []
        for _ in 0..<reps {
            let start = monotonicNanoseconds()
            fold = scanMemory(heap)
            times.append(Double(monotonicNanoseconds() - start) / Double(max(chunks, 1)))
        }
        let row = BenchReport.Row(
            workload: "memory-scan", target: TargetName.model.rawValue, threads: 1, ops: chunks,
            nsPerOp: BenchReport.Spread(times), ratioToGlibc: nil, osRequests: nil,
            checksum: "0x" + String(fold[0] ^ fold[1], radix: 16))
        onWorkloadDone?([row])
        return row
    }

    /// Live blocks of 16 to 4096 bytes, every byte patterned, then each verified whole
    /// as every heap check does: nanoseconds per live byte (1 / GB/s).
    func runCheckContent() -> BenchReport.Row {
        let set = ArenaSet()
        let thread = set.attachThread()
        var ledger = Ledger(coverage: .whole, capacity: Self.checkContentBlocks)
        var random = SplitMix64(seed: 5)
        var bytes = 0
        for i in 0..<Self.checkContentBlocks {
            let size = 16 + Int(random.next() % 4081)
            ledger.add(thread.malloc(size)!, requestSize: size, id: UInt64(i))
            bytes += size
        }
        let blocks = ledger.blocks
        func verify() -> Int {
            var intact = 0
            for block in blocks where ContentPattern.isIntact(UnsafeRawPointer(bitPattern: block.address)!, requestSize: block.requestSize, id: block.id, coverage: .whole) {
                intact += 1
            }
            return intact
        }
        var intact = verify()
        var times: [Double] = []
        for _ in 0..<reps {
            let start = monotonicNanoseconds()
            intact = verify()
            times.append(Double(monotonicNanoseconds() - start) / Double(max(bytes, 1)))
        }
        precondition(intact == blocks.count, "arenastress: check-content found \(blocks.count - intact) blocks changed")
        let row = BenchReport.Row(
            workload: "check-content", target: TargetName.model.rawValue, threads: 1, ops: bytes,
            nsPerOp: BenchReport.Spread(times), ratioToGlibc: nil, osRequests: nil,
            checksum: "0x" + String(UInt64(bytes) &* 0x9E37_79B9 &+ UInt64(intact), radix: 16))
        onWorkloadDone?([row])
        return row
    }
}

/// The bytes of `heap` XORed together as 16-byte lanes, four loads a round; the tail
/// shorter than 64 bytes is left out.
@inline(never)
func scanMemory(_ heap: UnsafeRawBufferPointer) -> SIMD2<UInt64> {
    guard let base = heap.baseAddress else { return .zero }
    var a = SIMD2<UInt64>.zero, b = a, c = a, d = a
    var offset = 0
    while offset &+ 64 <= heap.count {
        a ^= base.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt64>.self)
        b ^= base.loadUnaligned(fromByteOffset: offset &+ 16, as: SIMD2<UInt64>.self)
        c ^= base.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD2<UInt64>.self)
        d ^= base.loadUnaligned(fromByteOffset: offset &+ 48, as: SIMD2<UInt64>.self)
        offset &+= 64
    }
    return a ^ b ^ c ^ d
}
