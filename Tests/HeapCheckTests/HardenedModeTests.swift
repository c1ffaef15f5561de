import ArenaModel
import HeapCheck
import Randomness
import Testing

/// The hardened mode: sound runs go through untouched, and a corruption stops the
/// model at the next call with the invariant it broke.
@Suite struct HardenedModeTests {
    @Test(arguments: [1, 2])
    func soundRunsReportNothing(threads: Int) {
        let heap = HardenedHeap(ArenaSet())
        let hardened = (0..<threads).map { _ in heap.attachThread() }
        var rng = SplitMix64(seed: UInt64(threads))
        var live: [(UnsafeMutableRawPointer, Int)] = []
        for step in 0..<20_000 {
            let r = rng.next()
            let t = hardened[Int(r >> 60) % threads]
            if !live.isEmpty && (r % 3 == 0 || live.count > 300) {
                let i = Int(r >> 20) % live.count
                if r % 7 == 0 {
                    let size = Int(r >> 40) % 3000
                    let q = t.realloc(live[i].0, size)
                    if let q { live[i] = (q, size) } else { live.swapAt(i, live.count - 1); live.removeLast() }
                } else {
                    t.free(live[i].0)
                    live.swapAt(i, live.count - 1)
                    live.removeLast()
                }
            } else {
                let size = r % 50 == 0 ? 200_000 : Int(r >> 32) % 2000
                let p = r % 11 == 0 ? t.memalign(64, size) : r % 13 == 0 ? t.calloc(1, size) : t.malloc(size)
                #expect(p != nil, "step \(step): \(heap.violations)")
                guard let p else { return }
                live.append((p, size))
            }
        }
        #expect(heap.violations.isEmpty && !heap.isStopped)
        #expect(HeapChecker().check(heap.set).isSound)
    }

    @Test func aShrunkTopStopsTheNextCall() {
        let heap = HardenedHeap(ArenaSet())
        let t = heap.attachThread()
        let a = t.malloc(100)!
        let top = UnsafeMutablePointer<UInt>(bitPattern: UInt(bitPattern: a) - 16 + 0x70 + 8)!
        top.pointee -= 0x1000
        #expect(t.malloc(100) == nil)
        #expect(heap.isStopped)
        #expect(heap.violations.map(\.invariant) == [.w1], "\(heap.violations)")
        #expect(t.malloc(8) == nil)
    }

    @Test func aTcacheCountOffItsListStopsTheNextCallOfThatSize() {
        let heap = HardenedHeap(ArenaSet())
        let t = heap.attachThread()
        let blocks = (0..<3).map { _ in t.malloc(40)! }
        blocks.forEach(t.free)
        let tcache = t.thread.tcacheAddress!
        UnsafeMutablePointer<UInt16>(bitPattern: tcache + 2)!.pointee = 1
        _ = t.malloc(40)
        #expect(heap.violations.map(\.invariant) == [.l9], "\(heap.violations)")
    }
}
