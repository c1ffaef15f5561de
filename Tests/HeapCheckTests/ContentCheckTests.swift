import ArenaModel
import HeapCheck
import Randomness
import Testing

/// G3 covers every byte of a live block by default: a write anywhere in a block is
/// found at the next check, one in its middle only with the default coverage, and no
/// sound run reports G3.
@Suite struct ContentCheckTests {
    /// The pattern itself: filled whole, every size reads back intact; one byte changed
    /// anywhere is found where it was changed; head-and-tail sees only its 16 bytes.
    @Test func everyChangedByteIsFoundWhereItWasChanged() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 320, alignment: 16)
        defer { buffer.deallocate() }
        for size in 0...300 {
            let id = UInt64(size) &* 77 &+ 5
            ContentPattern.fill(buffer, requestSize: size, id: id, coverage: .whole)
            #expect(ContentPattern.isIntact(buffer, requestSize: size, id: id, coverage: .whole), "size \(size)")
            #expect(ContentPattern.headAndTailIntact(buffer, requestSize: size, id: id), "size \(size)")
            #expect(ContentPattern.firstMismatch(in: buffer, requestSize: size, id: id, coverage: .whole) == nil)
            #expect(!ContentPattern.isIntact(buffer, requestSize: size, id: id &+ 1, coverage: .whole) || size == 0, "size \(size): another block's pattern")
            for offset in 0..<size {
                let byte = buffer.load(fromByteOffset: offset, as: UInt8.self)
                buffer.storeBytes(of: byte ^ 0x10, toByteOffset: offset, as: UInt8.self)
                let whole = ContentPattern.isIntact(buffer, requestSize: size, id: id, coverage: .whole)
                let headAndTail = ContentPattern.isIntact(buffer, requestSize: size, id: id, coverage: .headAndTail)
                let inHeadOrTail = size < 16 || offset < 8 || offset >= size - 8
                #expect(!whole && ContentPattern.firstMismatch(in: buffer, requestSize: size, id: id, coverage: .whole) == offset,
                        "size \(size) offset \(offset)")
                #expect(headAndTail != inHeadOrTail, "size \(size) offset \(offset): head-and-tail")
                buffer.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            }
        }
    }

    /// Bytes moved inside a block, by whole words, no longer match: each word is its offset's.
    @Test func wordsMovedInsideABlockDoNotMatch() {
        let size = 256, id: UInt64 = 99
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        ContentPattern.fill(buffer, requestSize: size, id: id, coverage: .whole)
        buffer.storeBytes(of: buffer.load(fromByteOffset: 64, as: UInt64.self), toByteOffset: 128, as: UInt64.self)
        #expect((128..<136).contains(ContentPattern.firstMismatch(in: buffer, requestSize: size, id: id, coverage: .whole) ?? -1))
        #expect(!ContentPattern.isIntact(buffer, requestSize: size, id: id, coverage: .whole))
    }

    /// A byte changed in the middle of a live block of a random heap: G3 at the next
    /// check with the default coverage, at that block and offset; nothing with
    /// head-and-tail. Every offset of one block, then random blocks and offsets.
    @Test(arguments: 0..<12)
    func aWriteIntoTheMiddleOfALiveBlockIsG3(seed: UInt64) {
        print("ContentCheckTests seed \(seed)")
        for coverage in [PatternCoverage.whole, .headAndTail] {
            let w = RandomWorkload(seed: seed, threads: 1 + Int(seed % 3), maxLive: 60, coverage: coverage)
            w.run(300)
            let checker = HeapChecker()
            #expect(checker.check(w.set, ledgers: [w.ledger]).isSound, "seed \(seed) before the write")
            var rng = SplitMix64(seed: seed ^ 0xC0FFEE)
            let candidates = w.ledger.blocks.filter { $0.requestSize >= 17 && $0.requestSize <= 4096 }
            guard !candidates.isEmpty else { continue }
            let victim = candidates[Int(rng.next() % UInt64(candidates.count))]
            let offsets = seed == 0 ? Array(8..<victim.requestSize - 8) : [8 + Int(rng.next() % UInt64(victim.requestSize - 16))]
            let mem = UnsafeMutableRawPointer(bitPattern: victim.address)!
            for offset in offsets {
                let byte = mem.load(fromByteOffset: offset, as: UInt8.self)
                mem.storeBytes(of: ~byte, toByteOffset: offset, as: UInt8.self)
                let report = checker.check(w.set, ledgers: [w.ledger])
                if coverage == .whole {
                    #expect(report.brokenInvariants == [.g3], "seed \(seed) block \(victim.id) offset \(offset): \(report)")
                    #expect(report.violations.first?.message.contains("at offset \(offset)") == true, "seed \(seed): \(report)")
                } else {
                    #expect(report.isSound, "seed \(seed) offset \(offset), head-and-tail: \(report)")
                }
                mem.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            }
        }
    }

    /// Sound random programs with every byte of every block patterned and checked: no
    /// G3, nor anything else, at any check.
    @Test func soundProgramsWithWholePatternsReportNothing() {
        let checker = HeapChecker()
        for sequence in 0..<24 {
            let seed = UInt64(sequence) &* 0x9E37_79B9 &+ 0xC3
            let w = RandomWorkload(seed: seed, threads: 1 + sequence % 3, maxLive: 200, coverage: .whole)
            for round in 1...5 {
                #expect(w.run(1000), "seed \(seed): \(w.set.violations)")
                let report = checker.check(w.set, ledgers: [w.ledger], logs: [w.log])
                #expect(report.isSound, "seed \(seed) after \(round * 1000) ops: \(report)")
                if !report.isSound { return }
            }
        }
        print("ContentCheckTests: 24 sequences of 5000 ops, whole patterns, seeds i * 0x9E3779B9 + 0xC3")
    }
}
