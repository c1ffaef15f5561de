import Testing
@testable import ArenaModel

/// Decisions glibc makes that a user can see: where chunks come from, when memory is
/// mapped, reused, moved or given back.
@Suite struct ArenaBehaviourTests {
    @Test func firstChunkFollowsTheTcacheStruct() {
        let set = ArenaSet()
        let t = set.attachThread()
        let p = t.malloc(24)!
        // In a fresh process the tcache (a 0x290 chunk) is the heap's first chunk.
        #expect(p - set.mainHeap!.baseAddress! == 0x290 + 0x10)
        #expect(set.mainHeap!.count == 0x21000)
    }

    @Test func tcacheIsLIFOAndHoldsSeven() {
        let set = ArenaSet()
        let t = set.attachThread()
        let ps = (0..<9).map { _ in t.malloc(40)! }
        ps.forEach(t.free)
        // Seven went to the tcache (last in, first out), two to the fastbin.
        #expect(t.malloc(40) == ps[6])
        #expect(t.counters[.tcacheHit] == 1)
        #expect(t.counters[.fastbinFree] == 2)
    }

    @Test func neighboursCoalesceAndGoToTop() {
        let set = ArenaSet()
        let t = set.attachThread()
        let a = t.malloc(2000)!, b = t.malloc(2000)!
        let topBefore = set.mallinfo2.keepcost
        t.free(a)
        t.free(b)
        #expect(set.mallinfo2.keepcost == topBefore + 2 * 0x7e0)
        #expect(set.mallinfo2.ordblks == 1)
        #expect(set.checkInvariants().isEmpty)
    }

    @Test func largeRequestsAreMmappedAndRaiseTheThreshold() {
        let set = ArenaSet()
        let t = set.attachThread()
        let p = t.malloc(200_000)!
        #expect(Chunk(mem: p).isMmapped)
        #expect(Int(bitPattern: p) % 4096 == 16)
        #expect(set.mallinfo2.hblks == 1)
        t.free(p)
        #expect(set.mmapThreshold == Layout.alignUp(200_000 + 24, 4096))
        // The same size now comes from the heap.
        let q = t.malloc(200_000)!
        #expect(!Chunk(mem: q).isMmapped)
        #expect(set.osCounters.munmap == 1)
    }

    @Test func reallocGrowsInPlaceIntoTopAndMremapsMappedChunks() {
        let set = ArenaSet()
        let t = set.attachThread()
        let a = t.malloc(100)!
        #expect(t.realloc(a, 5000) == a)
        let m = t.malloc(300_000)!
        m.storeBytes(of: 42, as: Int.self)
        let n = t.realloc(m, 3_000_000)!
        #expect(n.load(as: Int.self) == 42)
        #expect(set.osCounters.mremap == 1)
        #expect(t.realloc(n, 0) == nil)
        #expect(set.mallinfo2.hblks == 0)
    }

    @Test func memalignAndPosixMemalign() {
        let set = ArenaSet()
        let t = set.attachThread()
        for alignment in [32, 64, 4096, 65536] {
            let p = t.memalign(alignment, 100)!
            #expect(Int(bitPattern: p) % alignment == 0)
            t.free(p)
        }
        #expect(Int(bitPattern: t.alignedAlloc(256, 10)!) % 256 == 0)
        #expect(t.posixMemalign(24, 10).status == 22)
        #expect(t.posixMemalign(64, 10).status == 0)
        #expect(set.checkInvariants().isEmpty)
    }

    @Test func callocZeroesReusedMemory() {
        let set = ArenaSet()
        let t = set.attachThread()
        let a = t.malloc(3000)!
        a.initializeMemory(as: UInt8.self, repeating: 0xff, count: 3000)
        _ = t.malloc(16)
        t.free(a)
        let b = t.calloc(10, 300)!
        #expect(b == a)
        #expect((0..<3000).allSatisfy { b.load(fromByteOffset: $0, as: UInt8.self) == 0 })
        #expect(t.calloc(Int.max, 2) == nil)
    }

    @Test func aSecondThreadGetsANonMainArenaOnAnAlignedHeap() {
        let set = ArenaSet()
        let main = set.attachThread()
        _ = main.malloc(10)
        let worker = set.attachThread()
        let p = worker.malloc(200)!
        let c = Chunk(mem: p)
        #expect(c.nonMainArena)
        #expect(set.arenaCount == 2)
        let heap = Heap.of(c.address)
        #expect(Int(bitPattern: heap.base) % Layout.heapMaxSize == 0)
        // The arena's malloc_state follows heap_info; then the tcache, then this chunk.
        #expect(p - heap.base == 0xb70)
        // A free from another thread goes back to the owning arena.
        main.free(p)
        #expect(set.checkInvariants().isEmpty)
        set.detach(worker)
        // The arena is free again, and the next new thread takes it.
        let next = set.attachThread()
        let q = next.malloc(200)!
        #expect(Heap.of(q) .base == heap.base)
        #expect(set.arenaCount == 2)
        #expect(set.violations.isEmpty)
    }

    @Test func arenaMaxIsRespected() {
        var tunables = Tunables()
        tunables.arenaMax = 2
        let set = ArenaSet(tunables: tunables)
        let threads = (0..<5).map { _ in set.attachThread() }
        for t in threads { _ = t.malloc(64) }
        #expect(set.arenaCount == 2)
        #expect(set.checkInvariants().isEmpty)
    }

    @Test func aNonMainHeapGrowsAndIsTrimmed() {
        let set = ArenaSet()
        _ = set.attachThread()
        let worker = set.attachThread()
        // Beyond the first heap's 64 MiB: a second heap is chained to it.
        let blocks = (0..<700).map { _ in worker.malloc(100_000)! }
        #expect(set.checkInvariants().isEmpty)
        let held = set.mallinfo2.arena
        blocks.reversed().forEach(worker.free)
        // As in glibc (measured: 70,152,192 bytes held, 67,284,992 after): the second
        // heap shrinks to its top pad, while the first heap's free space is one binned
        // chunk before its fenceposts, which trimming cannot touch.
        let after = set.mallinfo2.arena
        #expect(after < held)
        #expect(after < Layout.heapMaxSize + 256 * 1024)
        #expect(set.mallinfo2.ordblks == 3)
        #expect(set.checkInvariants().isEmpty)
        #expect(set.violations.isEmpty)
    }
}
