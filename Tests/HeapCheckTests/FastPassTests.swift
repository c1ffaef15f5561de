import ArenaModel
import HeapCheck
import Randomness
import Testing

/// The check's fast paths say what the precise ones say: the heap walk's fast pass
/// (taken by `check`) and the precise walk (taken by `dump`) count the same chunks on
/// sound heaps, and G3's 64-byte window over a small block sees every byte of the
/// request and none past it.
@Suite struct FastPassTests {
    /// Random programs (several arenas and heaps, mmapped chunks, trims): `check` and
    /// `dump` agree on every figure, and both find the heap sound.
    @Test(arguments: 0..<16)
    func fastAndPreciseWalksAgree(seed: UInt64) {
        print("FastPassTests seed \(seed)")
        let w = RandomWorkload(seed: seed &* 0x2545_F491 &+ 7, threads: 1 + Int(seed % 4), maxLive: 250)
        let checker = HeapChecker()
        for round in 1...4 {
            #expect(w.run(800), "seed \(seed): \(w.set.violations)")
            let fast = checker.check(w.set, ledgers: [w.ledger])
            let precise = checker.dump(w.set, ledgers: [w.ledger]).report
            #expect(fast.isSound && precise.isSound, "seed \(seed) round \(round): \(fast)\n\(precise)")
            #expect(fast.statistics == precise.statistics, "seed \(seed) round \(round): \(fast.statistics) vs \(precise.statistics)")
        }
    }

    /// Every live block of up to 64 bytes: each byte of its request changed in turn is G3
    /// at that offset; the bytes after the request, up to its usable size, are not
    /// checked.
    @Test(arguments: 0..<4)
    func theWindowSeesTheRequestAndNothingPastIt(seed: UInt64) {
        print("FastPassTests seed \(seed)")
        let w = RandomWorkload(seed: seed ^ 0x5EED, threads: 1 + Int(seed % 2), maxLive: 80)
        w.run(400)
        let checker = HeapChecker()
        #expect(checker.check(w.set, ledgers: [w.ledger]).isSound, "seed \(seed) before the writes")
        let small = w.ledger.blocks.filter { $0.requestSize <= 64 }.prefix(6)
        #expect(!small.isEmpty, "seed \(seed): no block of 64 bytes or less")
        for block in small {
            let mem = UnsafeMutableRawPointer(bitPattern: block.address)!
            let usable = Int(mem.load(fromByteOffset: -8, as: UInt.self) & ~7) - 8
            for offset in 0..<usable {
                let byte = mem.load(fromByteOffset: offset, as: UInt8.self)
                mem.storeBytes(of: byte ^ 0x41, toByteOffset: offset, as: UInt8.self)
                let report = checker.check(w.set, ledgers: [w.ledger])
                if offset < block.requestSize {
                    #expect(report.brokenInvariants == [.g3] && report.violations.first?.message.contains("at offset \(offset)") == true,
                            "seed \(seed) block \(block.id) (\(block.requestSize) bytes) offset \(offset): \(report)")
                } else {
                    #expect(report.isSound, "seed \(seed) block \(block.id) (\(block.requestSize) bytes) offset \(offset), past the request: \(report)")
                }
                mem.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            }
        }
    }
}
