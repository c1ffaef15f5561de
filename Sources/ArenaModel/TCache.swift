/// A thread's cache: glibc's `tcache_perthread_struct`, the user data of a 0x290 chunk
/// the thread takes from its arena at its first malloc.
///
/// ```
///   0x000  counts[64]   uint16: chunks in each bin
///   0x080  entries[64]  the first tcache_entry of each bin
///   0x280  (end)
/// ```
/// Bin i holds chunks of size 0x20 + 16 i (requests up to 24 + 16 i bytes). An entry
/// is a free chunk's user data: `next` (safe-linked) then `key`, the process-wide
/// `tcache_key` that marks the chunk as cached so that a second free is caught.
struct TCache {
    let base: UnsafeMutableRawPointer

    static let byteCount = 0x280

    @inline(__always)
    func count(_ index: Int) -> Int { Int(base.load(fromByteOffset: index &* 2, as: UInt16.self)) }
    @inline(__always)
    func setCount(_ index: Int, _ value: Int) {
        base.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: index &* 2, as: UInt16.self)
    }
    /// `entries[index]` as an address, 0 for an empty bin.
    @inline(__always)
    func entryAddress(_ index: Int) -> Int { base.load(fromByteOffset: 0x80 &+ index &* 8, as: Int.self) }
    @inline(__always)
    func setEntryAddress(_ index: Int, _ value: Int) { base.storeBytes(of: value, toByteOffset: 0x80 &+ index &* 8, as: Int.self) }
    @inline(__always)
    func entry(_ index: Int) -> UnsafeMutableRawPointer? {
        base.load(fromByteOffset: 0x80 &+ index &* 8, as: UnsafeMutableRawPointer?.self)
    }
    @inline(__always)
    func setEntry(_ index: Int, _ value: UnsafeMutableRawPointer?) {
        base.storeBytes(of: value, toByteOffset: 0x80 &+ index &* 8, as: UnsafeMutableRawPointer?.self)
    }
}

/// A tcache entry's fields, at the start of a cached chunk's user data.
enum TCacheEntry {
    @inline(__always)
    static func next(_ e: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        Layout.protect(e, e.load(as: UnsafeMutableRawPointer?.self))
    }
    /// `REVEAL_PTR (e->next)` as an address, for the hot paths.
    @inline(__always)
    static func nextAddress(_ e: UnsafeMutableRawPointer) -> Int { (Int(bitPattern: e) >> 12) ^ e.load(as: Int.self) }
    @inline(__always)
    static func key(_ e: UnsafeMutableRawPointer) -> Int { e.load(fromByteOffset: 8, as: Int.self) }
}

extension MallocThread {
    /// `tcache_put`.
    @inline(__always)
    func tcachePut(_ chunk: Chunk, _ index: Int, _ tc: TCache) {
        MallocThread.tcachePut(chunk, index, tc, key: g[.tcacheKey])
    }

    @inline(__always)
    static func tcachePut(_ chunk: Chunk, _ index: Int, _ tc: TCache, key: Int) {
        let e = chunk.mem
        e.storeBytes(of: key, toByteOffset: 8, as: Int.self)
        e.storeBytes(of: (Int(bitPattern: e) >> 12) ^ tc.entryAddress(index), as: Int.self)
        tc.setEntryAddress(index, Int(bitPattern: e))
        tc.setCount(index, tc.count(index) &+ 1)
    }

    /// `tcache_get`; nil when the entry is misaligned (a violation is recorded).
    @inline(__always)
    func tcacheGet(_ index: Int, _ tc: TCache) -> UnsafeMutableRawPointer? {
        let address = tc.entryAddress(index)
        let e = UnsafeMutableRawPointer(bitPattern: address).unsafelyUnwrapped
        if address & Layout.alignMask != 0 { return unalignedTcacheEntry(e) }
        tc.setEntryAddress(index, TCacheEntry.nextAddress(e))
        tc.setCount(index, tc.count(index) &- 1)
        e.storeBytes(of: 0, toByteOffset: 8, as: Int.self)
        return e
    }

    @inline(never)
    private func unalignedTcacheEntry(_ e: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        g.report(.mallocUnalignedTcache, Chunk(mem: e))
        return nil
    }

    /// `tcache_init`: the thread's first allocation is its own cache.
    @inline(never)
    func tcacheInit() -> TCache? {
        if tcacheShuttingDown { return nil }
        let av = arenaGet(TCache.byteCount)
        var victim = av.intMalloc(TCache.byteCount, self)
        var arena = av
        if victim == nil && !g.aborted {
            arena = arenaGetRetry(av, TCache.byteCount)
            victim = arena.intMalloc(TCache.byteCount, self)
        }
        unlock(arena)
        guard let victim else { return nil }
        victim.initializeMemory(as: UInt8.self, repeating: 0, count: TCache.byteCount)
        tcache = TCache(base: victim)
        return tcache
    }

    /// `tcache_thread_shutdown`: every cached chunk, then the cache itself, back to the arenas.
    func tcacheShutdown() {
        let saved = tcache
        tcacheShuttingDown = true
        guard let tc = saved else { return }
        tcache = nil
        for i in 0..<Layout.tcacheBinCount {
            while let e = tc.entry(i) {
                if Int(bitPattern: e) & Layout.alignMask != 0 {
                    g.report(.tcacheShutdownUnaligned, Chunk(mem: e))
                    return
                }
                tc.setEntry(i, TCacheEntry.next(e))
                free(e)
            }
        }
        free(tc.base)
    }
}
