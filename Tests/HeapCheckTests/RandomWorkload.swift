import ArenaModel
import HeapCheck
import Randomness

/// A seeded random program on a fresh model: several threads (so non-main arenas),
/// malloc, calloc, realloc, memalign and free of mixed sizes (mmapped ones included),
/// remote frees, malloc_trim; every live block in a ledger with its pattern, every call
/// in an operation log.
final class RandomWorkload {
    let set: ArenaSet
    var threads: [MallocThread]
    var ledger: Ledger
    var log = OperationLog(thread: 0, capacity: 256)
    var rng: SplitMix64
    private var nextID: UInt64 = 1
    private var live: [UnsafeMutableRawPointer] = []
    let maxLive: Int

    init(seed: UInt64, threads: Int, maxLive: Int = 300, coverage: PatternCoverage = .whole, tunables: Tunables = Tunables()) {
        rng = SplitMix64(seed: seed)
        let set = ArenaSet(tunables: tunables)
        self.set = set
        self.threads = (0..<threads).map { _ in set.attachThread() }
        ledger = Ledger(coverage: coverage, capacity: maxLive)
        self.maxLive = maxLive
    }

    /// A size from a mix: mostly small, some up to a page, a few large, rare mmapped ones.
    func randomSize() -> Int {
        let r = rng.next()
        switch r % 100 {
        case 0..<55: return Int(r >> 8) % 128
        case 55..<85: return Int(r >> 8) % 1100
        case 85..<97: return Int(r >> 8) % 70_000
        default: return 128 * 1024 + Int(r >> 8) % 300_000
        }
    }

    /// Runs `count` random operations; false if an allocation failed or the model stopped.
    @discardableResult
    func run(_ count: Int) -> Bool {
        for _ in 0..<count where !step() { return false }
        return true
    }

    func step() -> Bool {
        let r = rng.next()
        let t = threads[Int(r >> 60) % threads.count]
        let kind = r % 32
        if kind == 31 {
            set.trim(Int(r >> 20) % 8192)
            log.record(.trim)
            return set.violations.isEmpty
        }
        if !live.isEmpty && (live.count >= maxLive || kind < 14) {
            let i = Int(r >> 24) % live.count
            let p = live[i]
            ledger.remove(p)
            if kind < 4 {
                let size = randomSize()
                let q = t.realloc(p, size)
                log.record(.realloc, pointer: p, size: size, result: q)
                guard let q else { live.swapAt(i, live.count - 1); live.removeLast(); return size == 0 && set.violations.isEmpty }
                live[i] = q
                ledger.add(q, requestSize: size, id: fresh())
            } else {
                t.free(p)
                log.record(.free, pointer: p)
                live.swapAt(i, live.count - 1)
                live.removeLast()
            }
            return set.violations.isEmpty
        }
        let size = randomSize()
        let p: UnsafeMutableRawPointer?
        switch kind % 8 {
        case 0:
            p = t.calloc(1, size)
            log.record(.calloc, size: size, result: p)
        case 1:
            p = t.memalign(32 << Int((r >> 40) % 7), size)
            log.record(.memalign, size: size, result: p)
        default:
            p = t.malloc(size)
            log.record(.malloc, size: size, result: p)
        }
        guard let p else { return false }
        live.append(p)
        ledger.add(p, requestSize: size, id: fresh())
        return set.violations.isEmpty
    }

    private func fresh() -> UInt64 {
        nextID += 1
        return nextID
    }
}
