import Glibc
import Randomness
import Testing
@testable import ArenaModel

/// The three cases of the chapter the project grew from.
@Suite struct SeedClaimTests {
    /// "malloc is not a system call": a million malloc(100)/free pairs ask the kernel
    /// for memory at most twice; the model, like glibc, moves the break once.
    @Test func millionMallocFreeMakesTwoKernelRequests() {
        let set = ArenaSet()
        let t = set.attachThread()
        var sum = 0
        for _ in 0..<1_000_000 {
            let p = t.malloc(100)
            sum &+= Int(bitPattern: p)
            t.free(p)
        }
        #expect(sum != 0)
        #expect(set.osCounters.total <= 2)
        #expect(set.osCounters.total == set.osCounters.brk)
        #expect(set.violations.isEmpty)
    }

    /// The swiss cheese: 100,000 x 1000 bytes, 90% freed at random, holds far more than
    /// is live; malloc_trim gives back the whole free pages inside the holes.
    @Test func swissCheeseAndTrim() {
        let seed: UInt64 = 4141
        print("swissCheeseAndTrim seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let set = ArenaSet()
        let t = set.attachThread()
        var blocks = (0..<100_000).map { _ in t.malloc(1000)! }
        for b in blocks { b.storeBytes(of: 0xA5A5_A5A5, as: UInt32.self) }
        blocks.shuffle(using: &rng)
        for b in blocks[..<90_000] { t.free(b) }
        let live = blocks[90_000...]
        let liveBytes = live.count * 1000
        let held = set.mallinfo2.arena
        #expect(held >= 5 * liveBytes, "held \(held) for \(liveBytes) live")

        let heap = set.mainHeap!
        let freePages = wholeFreePages(set)
        let before = residentPages(heap)
        #expect(set.trim())
        let after = residentPages(heap)
        print("swiss cheese: held \(held) B, live \(liveBytes) B, whole free pages \(freePages), resident \(before) -> \(after) pages")
        #expect(freePages > 0)
        #expect(Double(before - after) >= 0.8 * Double(freePages))
        for b in live { #expect(b.load(as: UInt32.self) == 0xA5A5_A5A5) }
        #expect(set.violations.isEmpty)
        #expect(set.checkInvariants().isEmpty)
    }

    /// A fixed-size pool (the chapter's fix): reuse keeps the heap from growing.
    @Test func fixedSizeReuseDoesNotGrowTheHeap() {
        let set = ArenaSet()
        let t = set.attachThread()
        var pool = (0..<10_000).map { _ in t.malloc(1000)! }
        let held = set.mallinfo2.arena
        var rng = SplitMix64(seed: 7)
        for _ in 0..<100_000 {
            let i = Int(rng.next() % UInt64(pool.count))
            t.free(pool[i])
            pool[i] = t.malloc(1000)!
        }
        #expect(set.mallinfo2.arena == held)
        #expect(set.violations.isEmpty)
    }

    /// Pages of the main heap that lie wholly inside free chunks, past their links.
    private func wholeFreePages(_ set: ArenaSet) -> Int {
        let a = set.g.mainArena
        var pages = 0
        for i in 1..<Layout.binCount {
            let b = a.bin(i)
            var p = b.bk
            while p != b {
                let start = Layout.alignUp(Int(bitPattern: p.address) + 48, Layout.pageSize)
                let end = Layout.alignDown(Int(bitPattern: p.address) + p.size, Layout.pageSize)
                if end > start { pages += (end - start) / Layout.pageSize }
                p = p.bk
            }
        }
        return pages
    }

    private func residentPages(_ region: UnsafeMutableRawBufferPointer) -> Int {
        let count = (region.count + Layout.pageSize - 1) / Layout.pageSize
        var vec = [UInt8](repeating: 0, count: count)
        #expect(mincore(region.baseAddress!, region.count, &vec) == 0)
        return vec.reduce(0) { $0 + Int($1 & 1) }
    }
}
