import PropertyBased
import Randomness
import Testing
@testable import ArenaModel

/// Random sequences of malloc, calloc, realloc, memalign, free and trim against a
/// shadow ledger of what the program holds: blocks never overlap, their usable size
/// covers the request, their contents survive, and the heap passes the model's own
/// invariant walk after every operation.
@Suite struct ShadowLedgerTests {
    /// One program's view: the blocks it holds and the pattern written into each.
    final class Ledger {
        let set: ArenaSet
        let t: MallocThread
        var slots: [(pointer: UnsafeMutableRawPointer, size: Int, tag: UInt8)?]
        var problems: [String] = []

        init(slots: Int, tunables: Tunables = Tunables()) {
            set = ArenaSet(tunables: tunables)
            t = set.attachThread()
            self.slots = Array(repeating: nil, count: slots)
        }

        /// Applies the operation a random word encodes.
        func apply(_ word: UInt64, step: Int) {
            let slot = Int((word >> 8) % UInt64(slots.count))
            let kind = word % 16
            let sizeClass = (word >> 20) % 100
            let raw = Int((word >> 32) & 0xFFFFF)
            let size = sizeClass < 50 ? raw % 128 : sizeClass < 90 ? raw % 4096 : sizeClass < 97 ? raw % 65536 : 131072 + raw % 400_000
            let tag = UInt8(truncatingIfNeeded: step | 1)
            if kind == 15 {
                set.trim(Int(word >> 40) % 4096)
                return
            }
            if let held = slots[slot] {
                guard verify(held, slot) else { return }
                if kind < 4 {
                    guard let q = t.realloc(held.pointer, size) else {
                        if size != 0 { problems.append("realloc(\(size)) failed") }
                        slots[slot] = nil
                        return
                    }
                    let kept = min(held.size, size)
                    if kept > 0 && (q.load(as: UInt8.self) != held.tag || q.load(fromByteOffset: kept - 1, as: UInt8.self) != held.tag) {
                        problems.append("realloc lost the contents of slot \(slot)")
                    }
                    fill(q, size, tag)
                    slots[slot] = (q, size, tag)
                } else {
                    t.free(held.pointer)
                    slots[slot] = nil
                }
                return
            }
            let p: UnsafeMutableRawPointer?
            switch kind {
            case 0..<2:
                p = t.calloc(1, size)
                if let p, size > 0, p.load(as: UInt8.self) != 0 || p.load(fromByteOffset: size - 1, as: UInt8.self) != 0 {
                    problems.append("calloc(\(size)) not zeroed")
                }
            case 2..<4:
                let alignment = 32 << Int((word >> 52) % 8)
                p = t.memalign(alignment, size)
                if let p, Int(bitPattern: p) % alignment != 0 { problems.append("memalign(\(alignment)) misaligned") }
            default:
                p = t.malloc(size)
            }
            guard let p else { problems.append("allocation of \(size) failed"); return }
            if t.usableSize(p) < size { problems.append("usable size \(t.usableSize(p)) < \(size)") }
            fill(p, size, tag)
            slots[slot] = (p, size, tag)
        }

        private func fill(_ p: UnsafeMutableRawPointer, _ size: Int, _ tag: UInt8) {
            if size > 0 { p.initializeMemory(as: UInt8.self, repeating: tag, count: size) }
        }

        private func verify(_ held: (pointer: UnsafeMutableRawPointer, size: Int, tag: UInt8), _ slot: Int) -> Bool {
            guard held.size > 0 else { return true }
            for offset in [0, held.size / 2, held.size - 1] where held.pointer.load(fromByteOffset: offset, as: UInt8.self) != held.tag {
                problems.append("slot \(slot): byte \(offset) of \(held.size) overwritten")
                return false
            }
            return true
        }

        /// Every live block against the others: no two overlap.
        func checkDisjoint() {
            let spans = slots.compactMap { $0 }.map { (UInt(bitPattern: $0.pointer), UInt(bitPattern: $0.pointer) + UInt(max($0.size, 1))) }.sorted { $0.0 < $1.0 }
            for (a, b) in zip(spans, spans.dropFirst()) where a.1 > b.0 {
                problems.append("blocks overlap at 0x\(String(b.0, radix: 16))")
            }
        }

        func checkHeap(_ step: Int) {
            if !set.violations.isEmpty { problems.append("step \(step): \(set.violations)") }
            let found = set.checkInvariants()
            if !found.isEmpty { problems.append("step \(step): \(found.prefix(3))") }
        }
    }

    @Test func randomOperationSequencesKeepTheLedger() async {
        await propertyCheck(count: 60, input: Gen.uint64().array(of: 100...400)) { words in
            let ledger = Ledger(slots: 48)
            for (step, word) in words.enumerated() {
                ledger.apply(word, step: step)
                ledger.checkHeap(step)
                if !ledger.problems.isEmpty { break }
            }
            ledger.checkDisjoint()
            #expect(ledger.problems.isEmpty, "\(ledger.problems.prefix(3))")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func longSeededRuns(seed: UInt64) {
        print("longSeededRuns seed \(seed)")
        var rng = SplitMix64(seed: seed)
        var tunables = Tunables()
        // Odd seeds run glibc's defaults; even ones without tcache and with perturbing.
        if seed % 2 == 0 {
            tunables.tcacheCount = 0
            tunables.perturb = 0x5a
        }
        let ledger = Ledger(slots: 400, tunables: tunables)
        for step in 0..<20_000 {
            ledger.apply(rng.next(), step: step)
            if step % 200 == 0 { ledger.checkHeap(step); ledger.checkDisjoint() }
            if !ledger.problems.isEmpty { break }
        }
        ledger.checkHeap(20_000)
        ledger.checkDisjoint()
        #expect(ledger.problems.isEmpty, "seed \(seed): \(ledger.problems.prefix(3))")
    }
}
