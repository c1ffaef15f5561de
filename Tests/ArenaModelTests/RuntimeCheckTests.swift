import Testing
@testable import ArenaModel

/// Each of glibc's runtime checks, triggered by the corruption it exists to catch:
/// the model records glibc's message and the call returns instead of aborting.
@Suite struct RuntimeCheckTests {
    /// A fresh model with one thread and helpers to forge chunk headers.
    struct Lab {
        let set: ArenaSet
        let t: MallocThread
        init(tcacheCount: Int = 7) {
            var tunables = Tunables()
            tunables.tcacheCount = tcacheCount
            set = ArenaSet(tunables: tunables)
            t = set.attachThread()
        }
        func chunk(_ mem: UnsafeMutableRawPointer) -> Chunk { Chunk(mem: mem) }
        /// Sizes from the tcache's reach but above the fastbins.
        func big(_ n: Int = 2000) -> UnsafeMutableRawPointer { t.malloc(n)! }
        /// Fills the tcache bin of chunk size 0x20 so later frees of that size go to a fastbin.
        func fillTcache20() { let ps = (0..<7).map { _ in t.malloc(24)! }; ps.forEach(t.free) }
        var only: MallocCheck? { self.set.violations.count == 1 ? self.set.violations[0].check : nil }
    }

    @Test func freeInvalidPointer() {
        let lab = Lab()
        let a = lab.big()
        lab.t.free(a + 8)
        #expect(lab.only == .freeInvalidPointer)
        #expect(lab.set.violations.first?.message == "free(): invalid pointer")
    }

    @Test func freeInvalidSize() {
        let lab = Lab()
        let a = lab.big()
        lab.chunk(a).head = 0x11
        lab.t.free(a)
        #expect(lab.only == .freeInvalidSize)
    }

    @Test func doubleFreeInTcache() {
        let lab = Lab()
        let a = lab.t.malloc(40)!
        lab.t.free(a)
        lab.t.free(a)
        #expect(lab.only == .freeDoubleFreeTcache)
        #expect(lab.set.violations.first?.message == "free(): double free detected in tcache 2")
    }

    @Test func doubleFreeFasttop() {
        let lab = Lab()
        let a = lab.t.malloc(24)!
        lab.fillTcache20()
        lab.t.free(a)
        lab.t.free(a)
        #expect(lab.only == .doubleFreeFasttop)
    }

    @Test func doubleFreeTop() {
        let lab = Lab()
        let a = lab.big()
        lab.t.free(lab.chunk(a).next.mem)
        #expect(lab.only == .doubleFreeTop)
    }

    @Test func doubleFreeOut() {
        let lab = Lab()
        let a = lab.big()
        lab.chunk(a).head = 0x100_0000 | Layout.prevInUseBit
        lab.t.free(a)
        #expect(lab.only == .doubleFreeOut)
    }

    @Test func doubleFreePrev() {
        let lab = Lab()
        let a = lab.big(), b = lab.big()
        let c = lab.chunk(b)
        c.head = c.head & ~Layout.prevInUseBit
        lab.t.free(a)
        #expect(lab.only == .doubleFreePrev)
    }

    @Test func freeInvalidNextSizeFast() {
        let lab = Lab()
        let a = lab.t.malloc(24)!
        _ = lab.big()
        lab.fillTcache20()
        lab.chunk(a).next.head = 0
        lab.t.free(a)
        #expect(lab.only == .freeInvalidNextSizeFast)
    }

    @Test func freeInvalidNextSizeNormal() {
        let lab = Lab()
        let a = lab.big(), b = lab.big()
        lab.chunk(b).head = 0x8 | Layout.prevInUseBit
        lab.t.free(a)
        #expect(lab.only == .freeInvalidNextSizeNormal)
    }

    @Test func corruptedSizeVsPrevSizeInUnlink() {
        let lab = Lab()
        let a = lab.big(), b = lab.big(), c = lab.t.calloc(1, 2000)!
        _ = lab.big()
        lab.t.free(b)
        lab.chunk(b).head = lab.chunk(b).head + 0x10
        c.storeBytes(of: 0, as: Int.self)
        lab.t.free(a)
        #expect(lab.only == .corruptedSizeVsPrevSize)
    }

    @Test func corruptedSizeWhileConsolidating() {
        let lab = Lab()
        let a = lab.big(), b = lab.big()
        _ = lab.big()
        lab.t.free(a)
        lab.chunk(b).prevSize += 0x10
        lab.t.free(b)
        #expect(lab.only == .corruptedSizeConsolidating)
    }

    @Test func corruptedDoubleLinkedList() {
        let lab = Lab()
        let a = lab.big(), b = lab.big()
        _ = lab.big()
        lab.t.free(b)
        lab.chunk(b).fd = lab.chunk(a)
        lab.t.free(a)
        #expect(lab.only == .corruptedDoubleLinkedList)
        #expect(lab.set.violations.first?.message == "corrupted double-linked list")
    }

    @Test func corruptedDoubleLinkedListNotSmall() {
        let lab = Lab()
        let a = lab.big(), b = lab.big()
        _ = lab.big()
        lab.t.free(b)
        _ = lab.big(3000)  // sorts b into its large bin
        lab.chunk(b).fdNextSize = lab.chunk(a)
        lab.t.free(a)
        #expect(lab.only == .corruptedDoubleLinkedListNotSmall)
    }

    @Test func mallocMemoryCorruptionFast() {
        let lab = Lab()
        let x = lab.t.malloc(24)!
        _ = lab.big()
        lab.fillTcache20()
        lab.t.free(x)
        lab.chunk(x).head = 0x31
        for _ in 0..<7 { _ = lab.t.malloc(24) }
        #expect(lab.t.malloc(24) == nil)
        #expect(lab.only == .mallocMemoryCorruptionFast)
    }

    @Test func mallocUnalignedFastbin() {
        let lab = Lab(tcacheCount: 0)
        let x1 = lab.t.malloc(24)!, x2 = lab.t.malloc(24)!
        _ = lab.big()
        lab.t.free(x1)
        lab.t.free(x2)
        let c = lab.chunk(x2)
        c.protectedFd = Layout.protect(c.address + 16, c.address + 8)
        #expect(lab.t.malloc(24) == x2)
        #expect(lab.t.malloc(24) == nil)
        #expect(lab.only == .mallocUnalignedFastbin2)
    }

    @Test func mallocUnalignedFastbinWhileFillingTcache() {
        let lab = Lab()
        let x1 = lab.t.malloc(24)!, x2 = lab.t.malloc(24)!
        _ = lab.big()
        lab.fillTcache20()
        lab.t.free(x1)
        lab.t.free(x2)
        for _ in 0..<7 { _ = lab.t.malloc(24) }
        let c = lab.chunk(x2)
        c.protectedFd = Layout.protect(c.address + 16, c.address + 8)
        #expect(lab.t.malloc(24) == nil)
        #expect(lab.only == .mallocUnalignedFastbin3)
    }

    @Test func mallocUnalignedTcache() {
        let lab = Lab()
        let a1 = lab.t.malloc(40)!, a = lab.t.malloc(40)!
        lab.t.free(a1)
        lab.t.free(a)
        a.storeBytes(of: Layout.protect(a, a + 8), as: UnsafeMutableRawPointer?.self)
        #expect(lab.t.malloc(40) == a)
        #expect(lab.t.malloc(40) == nil)
        #expect(lab.only == .mallocUnalignedTcache)
    }

    @Test func mallocSmallbinCorrupted() {
        let lab = Lab(tcacheCount: 0)
        let a = lab.big(), b = lab.t.malloc(240)!
        _ = lab.big()
        lab.t.free(b)
        _ = lab.big(3000)  // sorts b into small bin 0x100
        lab.chunk(b).bk = lab.chunk(a)
        #expect(lab.t.malloc(240) == nil)
        #expect(lab.only == .mallocSmallbinCorrupted)
    }

    /// A chunk b in the unsorted bin between a and c, forged by `forge`, then a malloc
    /// that sorts the unsorted bin.
    private func unsortedCase(_ forge: (Chunk, Chunk) -> Void) -> MallocCheck? {
        let lab = Lab()
        _ = lab.big()
        let b = lab.big(), c = lab.big()
        lab.t.free(b)
        forge(lab.chunk(b), lab.chunk(c))
        #expect(lab.t.malloc(3000) == nil)
        return lab.only
    }

    @Test func mallocInvalidSizeUnsorted() {
        #expect(unsortedCase { b, _ in b.head = 0x11 } == .mallocInvalidSizeUnsorted)
    }
    @Test func mallocInvalidNextSizeUnsorted() {
        #expect(unsortedCase { _, c in c.head = 0x8 } == .mallocInvalidNextSizeUnsorted)
    }
    @Test func mallocMismatchingPrevSizeUnsorted() {
        #expect(unsortedCase { _, c in c.prevSize += 0x10 } == .mallocMismatchingPrevSizeUnsorted)
    }
    @Test func mallocUnsortedCorrupted() {
        #expect(unsortedCase { b, c in b.fd = c } == .mallocUnsortedCorrupted)
    }
    @Test func mallocInvalidNextPrevInUseUnsorted() {
        #expect(unsortedCase { _, c in c.head |= Layout.prevInUseBit } == .mallocInvalidNextPrevInUseUnsorted)
    }

    /// A large bin holding l (0x7c0), then v (0x7e0, same bin) sorted in after `forge`.
    private func largeBinCase(_ forge: (_ l: Chunk, _ inUse: Chunk) -> Void) -> MallocCheck? {
        let lab = Lab()
        let l = lab.t.malloc(0x7c0 - 8)!
        let inUse = lab.t.malloc(24)!
        let v = lab.t.malloc(0x7e0 - 8)!
        _ = lab.t.malloc(24)!
        lab.t.free(l)
        _ = lab.big(3000)
        lab.t.free(v)
        forge(lab.chunk(l), lab.chunk(inUse))
        #expect(lab.t.malloc(3000) == nil)
        return lab.only
    }

    @Test func mallocLargebinNextsize() {
        #expect(largeBinCase { l, x in l.bkNextSize = x } == .mallocLargebinNextsize)
    }
    @Test func mallocLargebinBk() {
        #expect(largeBinCase { l, x in l.bk = x } == .mallocLargebinBk)
    }

    @Test func mallocCorruptedTopSize() {
        let lab = Lab()
        let a = lab.big()
        lab.chunk(a).next.head = -1
        #expect(lab.t.malloc(5000) == nil)
        #expect(lab.only == .mallocCorruptedTopSize)
    }

    @Test func consolidateInvalidSize() {
        let lab = Lab(tcacheCount: 0)
        let x = lab.t.malloc(24)!
        _ = lab.big()
        lab.t.free(x)
        lab.chunk(x).head = 0x31
        #expect(lab.t.malloc(2000) == nil)
        #expect(lab.only == .consolidateInvalidSize)
    }

    @Test func freeCorruptedUnsortedChunks() {
        let lab = Lab()
        let a = lab.big()
        _ = lab.big()
        let c = lab.big()
        _ = lab.big()
        lab.t.free(a)
        lab.chunk(a).bk = lab.chunk(c)
        lab.t.free(c)
        #expect(lab.only == .freeCorruptedUnsorted)
    }

    @Test func reallocInvalidPointer() {
        let lab = Lab()
        let a = lab.big()
        #expect(lab.t.realloc(a + 8, 100) == nil)
        #expect(lab.only == .reallocInvalidPointer)
    }

    @Test func reallocInvalidOldSize() {
        let lab = Lab()
        let a = lab.big()
        lab.chunk(a).head = 0x1000_0000 | Layout.prevInUseBit
        #expect(lab.t.realloc(a, 3000) == nil)
        #expect(lab.only == .reallocInvalidOldSize)
    }

    @Test func reallocInvalidNextSize() {
        let lab = Lab()
        let a = lab.big()
        _ = lab.big()
        lab.chunk(a).next.head = 0
        #expect(lab.t.realloc(a, 3000) == nil)
        #expect(lab.only == .reallocInvalidNextSize)
    }

    @Test func munmapChunkInvalidPointer() {
        let lab = Lab()
        let m = lab.t.malloc(300_000)!
        lab.chunk(m).prevSize = 8
        lab.t.free(m)
        #expect(lab.only == .munmapInvalidPointer)
    }

    @Test func mremapChunkInvalidPointer() {
        let lab = Lab()
        let m = lab.t.malloc(300_000)!
        lab.chunk(m).prevSize = 8
        #expect(lab.t.realloc(m, 600_000) == nil)
        #expect(lab.only == .mremapInvalidPointer)
    }

    @Test func afterAViolationTheModelStops() {
        let lab = Lab()
        let a = lab.t.malloc(40)!
        lab.t.free(a)
        lab.t.free(a)
        #expect(lab.t.malloc(40) == nil)
        #expect(lab.t.calloc(1, 40) == nil)
        #expect(lab.set.violations.count == 1)
    }

    @Test func everyCheckHasGlibcsMessage() {
        let messages = Set(MallocCheck.allCases.map(\.message))
        #expect(messages.count == MallocCheck.allCases.count)
        for m in ["free(): invalid next size (fast)", "malloc(): corrupted top size",
                  "malloc(): largebin double linked list corrupted (nextsize)",
                  "corrupted size vs. prev_size while consolidating", "munmap_chunk(): invalid pointer"] {
            #expect(messages.contains(m))
        }
    }
}
