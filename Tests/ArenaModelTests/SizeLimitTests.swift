import Testing
@testable import ArenaModel

/// Requests at the limits of glibc's size_t arithmetic: the model returns NULL where
/// glibc does (measured on glibc 2.36, Debian 12), never traps, and leaves the heap
/// sound and holding what it held. A negative Int is a size_t of 2^63 or more.
@Suite struct SizeLimitTests {
    /// A heap with something everywhere: live blocks with known contents, chunks in the
    /// tcache, a fastbin and the unsorted bin, and a mapped block.
    struct Busy {
        let set: ArenaSet
        let t: MallocThread
        let live: [UnsafeMutableRawPointer]
        let mapped: UnsafeMutableRawPointer

        init(policy: ArenaPolicy = .glibc, worker: Bool = false) {
            set = ArenaSet(policy: policy)
            let main = set.attachThread()
            _ = main.malloc(1)
            let t = worker ? set.attachThread() : main
            self.t = t
            var kept: [UnsafeMutableRawPointer] = []
            for (i, p) in (0..<40).map({ i in t.malloc(i % 2 == 0 ? 40 : 3000)! }).enumerated() {
                // Ten small ones freed (seven to the tcache, three to a fastbin), every other
                // large one (to the unsorted bin, between live neighbours).
                if i % 4 == 1 || (i % 2 == 0 && i < 20) { t.free(p) } else { kept.append(p) }
            }
            for (i, p) in kept.enumerated() { p.initializeMemory(as: UInt8.self, repeating: UInt8(i), count: 40) }
            live = kept
            mapped = t.malloc(300_000)!
            mapped.initializeMemory(as: UInt8.self, repeating: 0xee, count: 300_000)
        }

        /// What a failed request leaves as it was (glibc's, too, may sort the unsorted
        /// bin and consolidate the fastbins on its way to failing, which moves chunks
        /// between bins but not bytes).
        struct Totals: Equatable {
            let held, used, free, mappedChunks, mappedBytes, brk: Int
        }

        var totals: Totals {
            let m = set.mallinfo2
            return Totals(held: m.arena, used: m.uordblks, free: m.fordblks, mappedChunks: m.hblks, mappedBytes: m.hblkhd,
                          brk: set.mainHeap?.count ?? 0)
        }

        /// The heap is sound, nothing was reported, and every live block kept its bytes.
        func expectIntact(_ before: Totals, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(totals == before, "\(what)", sourceLocation: sourceLocation)
            #expect(set.checkInvariants() == [], "\(what)", sourceLocation: sourceLocation)
            #expect(set.violations.isEmpty, "\(what)", sourceLocation: sourceLocation)
            for (i, p) in live.enumerated() {
                #expect((0..<40).allSatisfy { p.load(fromByteOffset: $0, as: UInt8.self) == UInt8(i) }, "\(what)",
                        sourceLocation: sourceLocation)
            }
            #expect(mapped.load(fromByteOffset: 299_999, as: UInt8.self) == 0xee, "\(what)", sourceLocation: sourceLocation)
            // And it still serves.
            let p = t.malloc(5000)
            #expect(p != nil, "\(what)", sourceLocation: sourceLocation)
            t.free(p)
        }
    }

    /// Sizes no memory can meet: at and near PTRDIFF_MAX (where request2size pads to
    /// 2^63 and 2^63 + 16, and sysmalloc's sums cross 2^63), near PTRDIFF_MAX less the
    /// top pad (where sysmalloc's long size changes sign), past the address space, and
    /// above PTRDIFF_MAX (refused by checked_request2size), up to SIZE_MAX.
    static let refusedSizes: [Int] = [
        Int.max, Int.max - 8, Int.max - 22, Int.max - 23, Int.max - 24, Int.max - 39, Int.max - 40, Int.max - 55,
        Int.max - 4095, Int.max - 4103, Int.max - 4120, Int.max - 131_072 - 32, Int.max - 131_072 - 4096,
        9_223_372_036_854_775_000, 1 << 62, (1 << 62) + 1, 1 << 48, (1 << 56) + 123,
        Int.min, Int.min + 16, -4096, -24, -23, -1,
    ]

    @Test(arguments: [false, true])
    func mallocOfARefusedSizeIsNull(worker: Bool) {
        let heap = Busy(worker: worker)
        for size in Self.refusedSizes {
            let before = heap.totals
            #expect(heap.t.malloc(size) == nil, "malloc(\(UInt(bitPattern: size)))")
            heap.expectIntact(before, "malloc(\(UInt(bitPattern: size)))")
        }
    }

    @Test(arguments: [false, true])
    func reallocToARefusedSizeKeepsTheBlock(worker: Bool) {
        let heap = Busy(worker: worker)
        for size in Self.refusedSizes {
            for p in [heap.live[3], heap.mapped] {
                let before = heap.totals
                #expect(heap.t.realloc(p, size) == nil, "realloc(\(UInt(bitPattern: size)))")
                heap.expectIntact(before, "realloc(\(UInt(bitPattern: size)))")
            }
            let before = heap.totals
            #expect(heap.t.realloc(nil, size) == nil)
            heap.expectIntact(before, "realloc(NULL, \(UInt(bitPattern: size)))")
        }
    }

    /// Products past PTRDIFF_MAX, exactly or by far, and those that wrap a size_t
    /// (2^32 x 2^32 is 2^64, 0 once wrapped): NULL, before anything is touched.
    static let overflowingProducts: [(Int, Int)] = [
        (Int.max, 2), (2, Int.max), (1 << 32, 1 << 32), ((1 << 32) + 1, (1 << 32) - 1), (1 << 62, 2), (2, 1 << 62),
        (3, Int.max / 3 + 1), (Int.max, Int.max), (-1, 1), (1, -1), (-1, -1), (Int.min, 1), (1 << 20, (Int.max >> 20) + 1),
    ]

    @Test(arguments: [false, true])
    func callocOfAnOverflowingProductIsNull(worker: Bool) {
        let heap = Busy(worker: worker)
        for (count, size) in Self.overflowingProducts {
            let before = heap.totals
            #expect(heap.t.calloc(count, size) == nil, "calloc(\(UInt(bitPattern: count)), \(UInt(bitPattern: size)))")
            heap.expectIntact(before, "calloc(\(UInt(bitPattern: count)), \(UInt(bitPattern: size)))")
        }
        // A product that fits is a request like malloc's, refused if too big.
        for (count, size) in [(1, Int.max), (Int.max, 1), (Int.max / 3, 3), (1 << 31, 1 << 31)] {
            let before = heap.totals
            #expect(heap.t.calloc(count, size) == nil, "calloc(\(count), \(size))")
            heap.expectIntact(before, "calloc(\(count), \(size))")
        }
    }

    /// glibc multiplies size_t values: SIZE_MAX x 0 is 0, and calloc (SIZE_MAX, 0)
    /// returns a block like calloc (0, 0).
    @Test func callocOfAHugeCountTimesZeroIsABlock() throws {
        let heap = Busy()
        for (count, size) in [(-1, 0), (0, -1), (Int.max, 0), (0, Int.min)] {
            let p = try #require(heap.t.calloc(count, size))
            #expect(Chunk(mem: p).size == Layout.minSize)
            heap.t.free(p)
        }
        #expect(heap.set.checkInvariants() == [])
    }

    /// Alignments glibc accepts but no request can meet (powers of two up to 2^63, and
    /// numbers it rounds up to them), with ordinary and refused sizes; and alignments
    /// above 2^63, which it refuses (EINVAL).
    static let refusedAlignments: [Int] = [
        1 << 48, 1 << 62, (1 << 61) + 1, (1 << 62) - 1, (1 << 62) + 1, Int.max, Int.min, Int.min + 1, -1,
    ]

    @Test(arguments: [false, true])
    func memalignAtTheLimitsIsNull(worker: Bool) {
        let heap = Busy(worker: worker)
        for alignment in Self.refusedAlignments {
            for size in [0, 100, 1 << 20] + Self.refusedSizes {
                let before = heap.totals
                let what = "memalign(\(UInt(bitPattern: alignment)), \(UInt(bitPattern: size)))"
                #expect(heap.t.memalign(alignment, size) == nil, "\(what)")
                heap.expectIntact(before, what)
            }
        }
        for alignment in [32, 64, 100, 4096] {
            for size in Self.refusedSizes {
                let before = heap.totals
                let what = "memalign(\(alignment), \(UInt(bitPattern: size)))"
                #expect(heap.t.memalign(alignment, size) == nil, "\(what)")
                heap.expectIntact(before, what)
            }
        }
    }

    /// posix_memalign takes 2^63 as an alignment (a power-of-two multiple of 8), which
    /// fails with ENOMEM; SIZE_MAX - 7 is a multiple of 8 but not a power of two.
    @Test func posixMemalignAtTheLimits() {
        let heap = Busy()
        #expect(heap.t.posixMemalign(Int.min, 100).status == 12)
        #expect(heap.t.posixMemalign(1 << 62, 100).status == 12)
        #expect(heap.t.posixMemalign(64, Int.max).status == 12)
        #expect(heap.t.posixMemalign(-8, 100).status == 22)
        #expect(heap.t.posixMemalign(0, 100).status == 22)
        #expect(heap.set.checkInvariants() == [])
    }

    /// The rounding of a non-power-of-two alignment stops at 2^63, which fails; it
    /// must not run on past it (a signed compare never would).
    @Test func alignmentsRoundUpToAPowerOfTwo() throws {
        let heap = Busy()
        let p = try #require(heap.t.memalign(3000, 100))
        #expect(Int(bitPattern: p) % 4096 == 0)
        #expect(heap.t.memalign((1 << 62) + 12345, 1) == nil)
        #expect(heap.set.checkInvariants() == [])
    }

    @Test func trimWithAHugePadReleasesNoTop() {
        let heap = Busy()
        for pad in [Int.max, 1 << 62, -1, Int.min] {
            let before = heap.set.mainHeap?.count
            heap.set.trim(pad)
            #expect(heap.set.mainHeap?.count == before)
            #expect(heap.set.checkInvariants() == [])
        }
    }

    /// A new thread's first request sizes its arena's first heap: a huge one cannot
    /// have it (new_heap refuses, and a minimal heap is made instead), and memalign's
    /// padded size may wrap to a small one; either way the request fails alone.
    @Test func aNewThreadsFirstRequestAtTheLimits() throws {
        let firstRequests: [(MallocThread) -> UnsafeMutableRawPointer?] = [
            { $0.malloc(Int.max - 100) }, { $0.malloc(-1) }, { $0.memalign(64, -1) }, { $0.memalign(1 << 62, 100) },
            { $0.memalign(Int.max, Int.max) }, { $0.calloc(1, Int.max - 4096) }, { $0.realloc(nil, 1 << 62) },
        ]
        for first in firstRequests {
            let set = ArenaSet()
            _ = set.attachThread().malloc(1)
            let worker = set.attachThread()
            #expect(first(worker) == nil)
            let p = try #require(worker.malloc(100))
            #expect(Chunk(mem: p).nonMainArena)
            #expect(set.checkInvariants() == [])
            #expect(set.violations.isEmpty)
        }
    }

    /// Just past a non-main heap's maximum (64 MiB), with no mappings allowed (mmap_max
    /// 0): the heap cannot grow and no new heap holds it, so glibc maps it anyway; just
    /// below, a new heap of the maximum size serves it.
    @Test func aRequestJustPastTheHeapMaximumIsMapped() throws {
        var tunables = Tunables()
        tunables.mmapMax = 0
        let set = ArenaSet(tunables: tunables)
        _ = set.attachThread().malloc(1)
        let worker = set.attachThread()
        let past = try #require(worker.malloc(Layout.heapMaxSize + 1))
        #expect(Chunk(mem: past).isMmapped)
        let below = try #require(worker.malloc(Layout.heapMaxSize - 4 * Layout.pageSize))
        #expect(!Chunk(mem: below).isMmapped && Chunk(mem: below).nonMainArena)
        worker.free(below)
        worker.free(past)
        #expect(set.checkInvariants() == [])
        #expect(set.violations.isEmpty)
    }
}
