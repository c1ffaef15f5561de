/// What the model counts per thread: calls, and which path served them.
public enum Counter: Int, CaseIterable, Sendable, Codable {
    case malloc, free, calloc, realloc, memalign
    /// malloc served from the tcache.
    case tcacheHit
    /// _int_malloc served from a fastbin, a small bin, an exact unsorted fit, the last
    /// remainder, a large bin, the binmap search, top, or sysmalloc.
    case fastbinHit, smallbinHit, unsortedExact, lastRemainderSplit, largebinHit, binmapHit, topSplit, sysmalloc
    /// Chunks given their own mapping.
    case mmapped
    /// _int_free to a fastbin, to the unsorted bin, or merged into top.
    case fastbinFree, binFree, topMerge
    /// realloc done without moving the data.
    case reallocInPlace
    /// How arena_get found the thread's arena: its cached arena's lock was free
    /// (direct), a free arena was found by walking the ring (loop), the thread had to
    /// block (wait); or an arena was created, or taken from the free list.
    case arenaDirect, arenaLoop, arenaWait, arenaCreated, arenaFromFreeList
}

/// A thread's counters, indexed by `Counter`.
public struct ThreadCounters: Sendable, Equatable, Codable {
    public var values: [Int]
    public subscript(_ counter: Counter) -> Int { values[counter.rawValue] }
}

/// glibc's `struct mallinfo2`, summed over every arena as `mallinfo2()` does.
public struct MallInfo2: Sendable, Equatable, Codable {
    /// Bytes held from the kernel by the arenas (`system_mem`).
    public var arena = 0
    /// Free chunks in bins, plus top.
    public var ordblks = 0
    /// Chunks in fastbins.
    public var smblks = 0
    /// Mmapped chunks, and their bytes.
    public var hblks = 0, hblkhd = 0
    /// Always 0, as in glibc.
    public var usmblks = 0
    /// Bytes in fastbins.
    public var fsmblks = 0
    /// Bytes in use (including tcache chunks, which glibc counts as in use).
    public var uordblks = 0
    /// Bytes free in bins and top.
    public var fordblks = 0
    /// The main arena's top: what malloc_trim could give back at most.
    public var keepcost = 0
}

extension Arena {
    /// `int_mallinfo`: adds this arena's figures to `m`.
    func addInfo(to m: inout MallInfo2, _ g: Globals) {
        var avail = top.size
        var nblocks = 1
        var nfast = 0, fastavail = 0
        for i in 0..<Layout.fastBinCount {
            var p = fastbin(i)
            while let c = p {
                if c.isMisaligned { g.report(.mallinfoUnalignedFastbin, c, self); return }
                nfast += 1
                fastavail += c.size
                p = c.revealedFd
            }
        }
        avail += fastavail
        for i in 1..<Layout.binCount {
            let b = bin(i)
            var p = b.bk
            while p != b {
                nblocks += 1
                avail += p.size
                p = p.bk
            }
        }
        m.smblks += nfast
        m.ordblks += nblocks
        m.fordblks += avail
        m.uordblks += systemMem - avail
        m.arena += systemMem
        m.fsmblks += fastavail
        if self == g.mainArena {
            m.hblks = g[.nMmaps]
            m.hblkhd = g[.mmappedMem]
            m.keepcost = top.size
        }
    }
}
