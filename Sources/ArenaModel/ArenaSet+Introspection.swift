/// Read-only views of the model's state for checkers, dumps and reports.
///
/// Everything here is addresses and numbers read as they are: nothing is validated,
/// and a view of a corrupted heap says what the memory says. A checker that must not
/// trust the heap reads chunks itself, bounded by `ownedRegions`.
extension ArenaSet {
    /// The model's parameters as glibc's `mp_` and globals hold them now.
    public var parameters: ModelParameters {
        ModelParameters(tcacheCount: g[.tcacheCount], tcacheBins: g[.tcacheBins], tcacheKey: UInt(bitPattern: g[.tcacheKey]),
                        maxFastChunkSize: g[.globalMaxFast], mmapThreshold: g[.mmapThreshold],
                        trimThreshold: g[.trimThreshold], topPad: g[.topPad], perturbByte: g[.perturbByte],
                        mmappedChunks: g[.nMmaps], mmappedBytes: g[.mmappedMem])
    }

    /// Every arena, the main one first, in the order of glibc's arena ring.
    public var arenas: [ArenaView] {
        var views: [ArenaView] = []
        forEachArena { a in views.append(ArenaView(arena: a, g: g)) }
        return views
    }

    /// The tcache of every attached thread that has one (the address of its
    /// tcache_perthread_struct, the user data of a 0x290 chunk).
    public var threadCaches: [UInt] {
        threads.withLock { blocks in
            blocks.keys.compactMap { block in
                MallocThread(state: UnsafeMutableRawPointer(bitPattern: block)!).tcache.map { UInt(bitPattern: $0.base) }
            }
        }
    }

    /// The chunk addresses of every mmapped chunk, from the model's registry.
    public var mmappedChunks: [UInt] { MmapRegistry(g: g).all.map { UInt(bitPattern: $0) } }

    /// Memory the model's heaps own and a checker may read: the main heap, then each
    /// non-main heap's read-write part. Mmapped chunks are not included.
    public var ownedRegions: [Range<UInt>] {
        var regions: [Range<UInt>] = []
        if let main = mainHeap { regions.append(UInt(bitPattern: main.baseAddress!)..<UInt(bitPattern: main.baseAddress! + main.count)) }
        for arena in arenas where !arena.isMain {
            for heap in arena.heaps { regions.append(heap.address..<heap.address + UInt(heap.size)) }
        }
        return regions
    }
}

/// The parameters a checker needs to know what a sound heap looks like.
public struct ModelParameters: Sendable, Equatable, Codable {
    public let tcacheCount: Int
    /// Tcache bins in use (64 unless `tcache_max` lowers it).
    public let tcacheBins: Int
    /// The key a cached chunk carries in its second word.
    public let tcacheKey: UInt
    /// The largest fastbin chunk size (`global_max_fast`).
    public let maxFastChunkSize: Int
    public let mmapThreshold: Int
    public let trimThreshold: Int
    public let topPad: Int
    public let perturbByte: Int
    public let mmappedChunks: Int
    public let mmappedBytes: Int
}

/// One arena's malloc_state, as numbers.
public struct ArenaView: Sendable, Equatable {
    /// The malloc_state's address.
    public let address: UInt
    /// The arena's index: 0 for the main arena, then in order of creation (as lock reports name it).
    public let index: Int
    public let isMain: Bool
    public let top: UInt
    public let lastRemainder: UInt
    public let systemMem: Int
    public let maxSystemMem: Int
    public let haveFastChunks: Bool
    public let attachedThreads: Int
    /// The stored (safe-linked) first entry of each fastbin, as the arena holds it:
    /// the head itself is not mangled, so this is the first chunk's address or 0.
    public let fastbins: [UInt]
    /// The four 32-bit binmap words.
    public let binmap: [UInt32]
    /// The heaps of a non-main arena, from the one holding top back to the first; empty
    /// for the main arena, whose heap is `ArenaSet.mainHeap`.
    public let heaps: [HeapView]

    init(arena a: Arena, g: Globals) {
        address = UInt(bitPattern: a.base)
        index = a.index
        isMain = a == g.mainArena
        top = UInt(bitPattern: a.top.address)
        lastRemainder = UInt(bitPattern: a.lastRemainder?.address)
        systemMem = a.systemMem
        maxSystemMem = a.maxSystemMem
        haveFastChunks = a.haveFastChunks
        attachedThreads = a.attachedThreads
        fastbins = (0..<Layout.fastBinCount).map { UInt(bitPattern: a.fastbinSlot($0).load(as: Int.self)) }
        binmap = (0..<Layout.binmapWordCount).map { a.binmapWord($0) }
        var heaps: [HeapView] = []
        if !isMain {
            var heap: Heap? = Heap.of(a.top.address)
            while let h = heap, heaps.count < 1 << 20 {
                heaps.append(HeapView(address: UInt(bitPattern: h.base), size: h.size, mprotectSize: h.mprotectSize,
                                      arena: UInt(bitPattern: h.arena.base)))
                heap = h.prev
            }
        }
        self.heaps = heaps
    }

    /// `bin_at (av, i)`: the address of bin `index`'s header, a fake chunk whose fd and
    /// bk are the bin's first and last chunks.
    public func binHeader(_ index: Int) -> UInt { address + 0x70 + UInt((index - 1) * 16) - 16 }
}

/// One non-main heap's heap_info.
public struct HeapView: Sendable, Equatable {
    public let address: UInt
    public let size: Int
    public let mprotectSize: Int
    /// The arena its ar_ptr names.
    public let arena: UInt
}
