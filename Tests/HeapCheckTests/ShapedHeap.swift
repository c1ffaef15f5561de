import ArenaModel
import HeapCheck
import Randomness

/// A model whose heap a workload has shaped as the corruption recipes meet it in a run:
/// fragmented by thousands of blocks half freed at random, every tcache bin full,
/// fastbins populated, spread over several threads (so arenas) with remote frees. Its
/// live blocks are in a ledger with their patterns (head and tail).
final class ShapedHeap {
    let set: ArenaSet
    let threads: [MallocThread]
    var ledger = Ledger(coverage: .headAndTail, capacity: 4096)
    private var live: [UnsafeMutableRawPointer] = []
    private var rng: SplitMix64
    private var nextID: UInt64 = 1

    init(seed: UInt64, threads: Int, tcache: Bool) {
        rng = SplitMix64(seed: seed)
        var tunables = Tunables()
        if !tcache { tunables.tcacheCount = 0 }
        let set = ArenaSet(tunables: tunables)
        self.set = set
        self.threads = (0..<threads).map { _ in set.attachThread() }
    }

    private var anyThread: MallocThread { threads[rng.below(threads.count)] }

    /// `count` blocks of `sizes` bytes, each from a random thread, then half of them
    /// freed at random, each by a random thread.
    func fragment(_ count: Int, sizes: ClosedRange<Int>) {
        for _ in 0..<count {
            let size = sizes.lowerBound + rng.below(sizes.count)
            guard let p = anyThread.malloc(size) else { continue }
            live.append(p)
            nextID += 1
            ledger.add(p, requestSize: size, id: nextID)
        }
        for _ in 0..<live.count / 2 {
            let i = rng.below(live.count)
            let p = live.remove(at: i)
            ledger.remove(p)
            anyThread.free(p)
        }
    }

    /// Every tcache bin of every thread full: tcache_count blocks of each bin's size
    /// taken and freed.
    func fillTcaches() {
        let count = set.parameters.tcacheCount
        guard count > 0 else { return }
        for t in threads {
            for bin in 0..<set.parameters.tcacheBins {
                let size = 0x18 + 16 * bin
                let blocks = (0..<count).compactMap { _ in t.malloc(size) }
                blocks.forEach(t.free)
            }
        }
    }

    /// Chunks in the fastbins: with the tcache full, `count` small blocks per thread
    /// taken and freed.
    func populateFastbins(_ count: Int) {
        for t in threads {
            let blocks = (0..<count).compactMap { _ in t.malloc(1 + rng.below(120)) }
            blocks.forEach(t.free)
        }
    }
}
