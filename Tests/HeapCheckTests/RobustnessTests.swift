import ArenaModel
import HeapCheck
import Randomness
import Testing

/// Random bit flips in the heap's metadata: the checker always returns, never crashes,
/// and reports a violation for every flip of a word that a sound heap constrains
/// (every flip of these words breaks an invariant of the catalogue). Flips anywhere
/// in the model's memory, user data included, must not crash it either.
@Suite struct RobustnessTests {
    /// A heap metadata word and what it is.
    struct Word {
        let address: UInt
        let what: String
    }

    @Test func everyMetadataBitFlipIsReported() {
        let trials = 1500
        var byKind: [String: Int] = [:]
        for trial in 0..<trials {
            let seed = UInt64(trial) &+ 0xF11B
            let w = RandomWorkload(seed: seed, threads: 1 + trial % 3, maxLive: 150)
            w.run(400 + trial % 400)
            let checker = HeapChecker(detailLimit: 1)
            let words = Self.metadataWords(w.set, checker.dump(w.set, ledgers: [w.ledger]))
            var rng = SplitMix64(seed: seed)
            let word = words[Int(rng.next() % UInt64(words.count))]
            let bit = UInt(1) << UInt(rng.next() % 64)
            let p = UnsafeMutablePointer<UInt>(bitPattern: word.address)!
            p.pointee ^= bit
            let report = checker.check(w.set, ledgers: [w.ledger])
            p.pointee ^= bit
            byKind[word.what, default: 0] += 1
            #expect(!report.isSound, "seed \(seed): flipping bit \(bit.trailingZeroBitCount) of \(word.what) at 0x\(String(word.address, radix: 16)) went unreported")
        }
        print("RobustnessTests: \(trials) metadata flips (seeds 0xF11B + trial): " + byKind.keys.sorted().map { "\($0) \(byKind[$0]!)" }.joined(separator: ", "))
    }

    @Test func flipsAnywhereInTheModelNeverCrashTheChecker() {
        for trial in 0..<400 {
            let seed = UInt64(trial) &+ 0xA11
            let w = RandomWorkload(seed: seed, threads: 1 + trial % 3, maxLive: 150)
            w.run(300)
            let checker = HeapChecker(detailLimit: 1)
            var rng = SplitMix64(seed: seed)
            var regions = w.set.ownedRegions
            regions.append(w.set.mainArenaAddress..<w.set.mainArenaAddress + 0x898)
            let region = regions[Int(rng.next() % UInt64(regions.count))]
            let word = (region.lowerBound + UInt(rng.next() % UInt64(region.count - 8))) & ~7
            let bit = UInt(1) << UInt(rng.next() % 64)
            let p = UnsafeMutablePointer<UInt>(bitPattern: word)!
            p.pointee ^= bit
            let report = checker.check(w.set, ledgers: [w.ledger])
            p.pointee ^= bit
            #expect(report.statistics.arenas >= 1, "seed \(seed)")
        }
    }

    /// Every word a sound heap constrains: chunk size fields, the footers of free chunks,
    /// the links of binned, fastbin and tcache chunks, the tcache structs, the arenas'
    /// fastbins, bins, top and system_mem, and the non-main heaps' heap_info.
    static func metadataWords(_ set: ArenaSet, _ dump: HeapDump) -> [Word] {
        var words: [Word] = []
        var previousFree = false
        for span in dump.spans where span.state != .mmapped {
            words.append(Word(address: span.address + 8, what: "size \(span.state)"))
            if previousFree { words.append(Word(address: span.address, what: "footer")) }
            switch span.state {
            case .unsorted, .smallbin, .largebin:
                words.append(Word(address: span.address + 16, what: "fd \(span.state)"))
                words.append(Word(address: span.address + 24, what: "bk \(span.state)"))
                if span.size >= 0x400 {
                    words.append(Word(address: span.address + 32, what: "fd_nextsize"))
                    words.append(Word(address: span.address + 40, what: "bk_nextsize"))
                }
            case .fastbin:
                words.append(Word(address: span.address + 16, what: "fastbin fd"))
            case .tcache:
                words.append(Word(address: span.address + 16, what: "tcache next"))
                words.append(Word(address: span.address + 24, what: "tcache key"))
            default:
                break
            }
            previousFree = [.unsorted, .smallbin, .largebin].contains(span.state)
        }
        for tcache in set.threadCaches {
            for offset in stride(from: 0, to: 0x280, by: 8) {
                words.append(Word(address: tcache + UInt(offset), what: offset < 0x80 ? "tcache counts" : "tcache entries"))
            }
        }
        for arena in set.arenas {
            for offset in stride(from: 0x10, to: 0x68, by: 8) {
                words.append(Word(address: arena.address + UInt(offset), what: offset == 0x60 ? "arena top" : "arena fastbins"))
            }
            for offset in stride(from: 0x70, to: 0x860, by: 8) { words.append(Word(address: arena.address + UInt(offset), what: "arena bins")) }
            words.append(Word(address: arena.address + 0x888, what: "arena system_mem"))
            for heap in arena.heaps {
                words += [0, 8, 16].map { Word(address: heap.address + UInt($0), what: "heap_info") }
            }
        }
        return words
    }
}
