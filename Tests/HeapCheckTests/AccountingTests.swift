import ArenaModel
@testable import HeapCheck
import Testing

/// G4 adds up: a chunk a list names twice, a tcache entry or count lost, system_mem
/// changed, each breaks it; W8 holds the fenceposts to what sysmalloc writes. Each
/// heap is checked sound first, so that the finding is the injection's.
@Suite struct AccountingTests {
    /// A model whose thread has freed seven 0x100 chunks into its tcache and two more,
    /// kept apart by live guards, into the unsorted bin.
    struct Binned {
        let set = ArenaSet()
        let thread: MallocThread
        let tcache: UInt
        static let bin = (0x100 - 0x20) / 16

        init() {
            thread = set.attachThread()
            var keep: [UnsafeMutableRawPointer] = []
            var cached: [UnsafeMutableRawPointer] = []
            for _ in 0..<7 { cached.append(thread.malloc(0xF8)!) }
            let a = thread.malloc(0xF8)!
            keep.append(thread.malloc(0x18)!)
            let b = thread.malloc(0xF8)!
            keep.append(thread.malloc(0x18)!)
            cached.forEach(thread.free)
            thread.free(a)
            thread.free(b)
            tcache = set.threadCaches[0]
        }

        var unsortedHead: UInt { GlibcLayout.binHeader(set.mainArenaAddress, 1) }
        var tcacheSlot: UInt { tcache + GlibcLayout.tcacheEntries + UInt(Self.bin) * 8 }

        func poke(_ address: UInt, _ value: UInt) { UnsafeMutablePointer<UInt>(bitPattern: address)!.pointee = value }

        func check() -> HeapReport { HeapChecker().check(set) }
    }

    @Test func aChunkInARegularBinTwiceIsG4() {
        let heap = Binned()
        #expect(heap.check().isSound)
        let first = GlibcLayout.peek(heap.unsortedHead + GlibcLayout.fd)
        let second = GlibcLayout.peek(first + GlibcLayout.fd)
        #expect(second != heap.unsortedHead, "the unsorted bin holds two chunks")
        heap.poke(second + GlibcLayout.fd, first)
        let report = heap.check()
        #expect(report.brokenInvariants.contains(.g4), "\(report)")
        #expect(report.violations.contains { $0.invariant == .g4 && $0.message.contains("regular bins") }, "\(report)")
    }

    @Test func aTcacheEntryLostIsG4() {
        let heap = Binned()
        #expect(heap.check().isSound)
        let first = GlibcLayout.peek(heap.tcacheSlot)
        heap.poke(heap.tcacheSlot, (first >> 12) ^ GlibcLayout.peek(first))
        let report = heap.check()
        #expect(report.violations.contains { $0.invariant == .g4 && $0.message.contains("tcache counts") }, "\(report)")
    }

    @Test func aTcacheCountChangedIsG4() {
        let heap = Binned()
        #expect(heap.check().isSound)
        let count = UnsafeMutablePointer<UInt16>(bitPattern: heap.tcache + UInt(2 * Binned.bin))!
        #expect(count.pointee == 7)
        count.pointee = 6
        let report = heap.check()
        #expect(report.violations.contains { $0.invariant == .g4 && $0.message.contains("tcache counts") }, "\(report)")
    }

    @Test func aChunkInATcacheTwiceIsG4() {
        let heap = Binned()
        #expect(heap.check().isSound)
        // The first entry's next pointing at itself: listed again, counted twice.
        let first = GlibcLayout.peek(heap.tcacheSlot)
        heap.poke(first, (first >> 12) ^ first)
        let report = heap.check()
        #expect(report.violations.contains { $0.invariant == .g4 && $0.message.contains("fastbins and tcache entries") }, "\(report)")
    }

    @Test(arguments: [false, true])
    func systemMemChangedIsG4(nonMain: Bool) {
        let set = ArenaSet()
        let threads = (0..<2).map { _ in set.attachThread() }
        let blocks = threads.map { t in (0..<50).map { t.malloc(16 + $0 * 40)! } }
        _ = blocks
        let checker = HeapChecker()
        #expect(checker.check(set).isSound)
        let arena = nonMain ? GlibcLayout.peek(set.mainArenaAddress + GlibcLayout.next) : set.mainArenaAddress
        #expect(arena != set.mainArenaAddress || !nonMain, "the second thread has an arena of its own")
        let field = UnsafeMutablePointer<UInt>(bitPattern: arena + GlibcLayout.systemMem)!
        field.pointee += 0x1000
        let report = checker.check(set)
        #expect(report.violations.contains { $0.invariant == .g4 && $0.message.contains("system_mem") }, "\(report)")
        field.pointee -= 0x1000
    }

    /// A non-main arena past its first heap's 64 MiB: the old heap ends with fenceposts,
    /// the whole adds up (G4 counts the fenceposts and both headers), and a last
    /// fencepost whose prev_size no longer names the fencepost before it is W8.
    @Test func fencepostsAddUpAndTheirFooterIsW8() {
        let set = ArenaSet()
        _ = set.attachThread().malloc(16)
        let thread = set.attachThread()
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<700 { blocks.append(thread.malloc(100_000)!) }
        let checker = HeapChecker()
        let dump = checker.dump(set)
        #expect(dump.report.isSound, "\(dump.report)")
        let fenceposts = dump.spans.filter { $0.state == .fencepost }
        #expect(!fenceposts.isEmpty, "the arena has a heap that is not its current one")
        guard let last = fenceposts.last else { return }
        let footer = UnsafeMutablePointer<UInt>(bitPattern: last.address)!
        let saved = footer.pointee
        footer.pointee = saved + 0x10
        let report = checker.check(set)
        #expect(report.brokenInvariants == [.w8], "\(report)")
        footer.pointee = saved
        #expect(checker.check(set).isSound)
    }
}
