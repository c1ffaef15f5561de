import ArenaModel
import HeapCheck
import Randomness
import Testing

/// Heaps of every shape the model makes are sound to the checker, and what it reports
/// is what a person needs: a non-main arena grown over several heaps (fenceposts) and
/// emptied again, the dump as pwndbg shows it, and a violation's detail.
@Suite struct HeapShapeTests {
    @Test func aNonMainArenaOverSeveralHeapsAndBack() {
        let set = ArenaSet()
        _ = set.attachThread()
        let t = set.attachThread()
        var ledger = Ledger()
        var blocks: [UnsafeMutableRawPointer] = []
        let checker = HeapChecker()
        for i in 0..<1400 {
            let p = t.malloc(100_000 + 16 * (i % 7))!
            ledger.add(p, requestSize: 100_000, id: UInt64(i))
            blocks.append(p)
        }
        let grown = checker.check(set, ledgers: [ledger])
        #expect(grown.statistics.heaps >= 3, "\(grown.statistics)")
        #expect(grown.isSound, "\(grown)")
        var rng = SplitMix64(seed: 3)
        for p in blocks.shuffled(using: &rng) {
            ledger.remove(p)
            t.free(p)
            if ledger.count % 100 == 0 {
                let report = checker.check(set, ledgers: [ledger])
                #expect(report.isSound, "\(ledger.count) blocks left: \(report)")
                if !report.isSound { return }
            }
        }
        set.trim()
        let trimmed = checker.check(set)
        #expect(trimmed.isSound, "\(trimmed)")
    }

    @Test func threadsComingAndGoingLeaveSoundArenas() {
        let set = ArenaSet()
        let main = set.attachThread()
        var ledger = Ledger()
        let checker = HeapChecker()
        var rng = SplitMix64(seed: 9)
        for round in 0..<12 {
            let t = set.attachThread()
            var mine: [UnsafeMutableRawPointer] = []
            for _ in 0..<200 {
                let size = Int(rng.next() % 600)
                let p = t.malloc(size)!
                if rng.next() % 3 == 0 { mine.append(p) } else { ledger.add(p, requestSize: size, id: rng.next()) }
            }
            mine.forEach(t.free)
            // Some of the exiting thread's blocks are freed later by the main thread.
            for block in ledger.blocks.prefix(20) {
                let p = UnsafeMutableRawPointer(bitPattern: block.address)!
                ledger.remove(p)
                main.free(p)
            }
            set.detach(t)
            let report = checker.check(set, ledgers: [ledger])
            #expect(report.isSound, "round \(round): \(report)")
            if !report.isSound { return }
        }
    }

    @Test func theDumpShowsBinsAndChunksAsPwndbgDoes() {
        let set = ArenaSet()
        let t = set.attachThread()
        let small = (0..<9).map { _ in t.malloc(24)! }
        let large = t.malloc(0x418)!
        _ = t.malloc(24)
        small.forEach(t.free)
        t.free(large)
        let dump = HeapChecker().dump(set)
        #expect(dump.report.isSound)
        #expect(dump.spans.filter { $0.state == .tcache }.count == 7)
        #expect(dump.spans.filter { $0.state == .fastbin }.count == 2)
        #expect(dump.spans.filter { $0.state == .unsorted }.count == 1)
        #expect(dump.spans.last { $0.state != .mmapped }?.state == .top)
        #expect(dump.binsText.contains("0x20 [  7]: 0x"))
        #expect(dump.binsText.contains("unsortedbin (arena 0)\nall [1]: 0x"))
        #expect(dump.heapText.contains("Free chunk (unsortedbin) | PREV_INUSE\nAddr: 0x\(String(UInt(bitPattern: large) - 16, radix: 16))\nSize: 0x420 (with flag bits: 0x421)"))
        #expect(dump.heapText.hasPrefix("Allocated chunk | PREV_INUSE\nAddr: "))
    }

    @Test func aViolationNamesItsPlaceValuesNeighbourhoodAndOperations() {
        let set = ArenaSet()
        let t = set.attachThread()
        var log = OperationLog(thread: 0)
        let a = t.malloc(40)!
        log.record(.malloc, size: 40, result: a)
        let b = t.malloc(40)!
        log.record(.malloc, size: 40, result: b)
        let chunk = UInt(bitPattern: b) - 16
        UnsafeMutablePointer<UInt>(bitPattern: chunk + 8)!.pointee = 0x39
        log.record(.injection, pointer: b - 8, size: 8)
        let report = HeapChecker().check(set, logs: [log])
        let v = report.violations.first { $0.chunk == chunk }
        #expect(v != nil, "\(report)")
        guard let v else { return }
        #expect(v.arenaIndex == 0 && v.heap == UInt(bitPattern: set.mainHeap!.baseAddress!))
        #expect(v.offset == Int(chunk - v.heap))
        #expect(v.invariant == .w2 && v.actual.contains("0x39"))
        #expect(v.neighbourhood.contains("=> 0x"))
        #expect(v.neighbourhood.contains("<- chunk 0x\(String(chunk, radix: 16))"))
        #expect(v.recentOperations.map(\.kind) == [.malloc, .injection])
        #expect(v.description.contains("last operations on this chunk"))
    }
}
