/// Chunks above the mmap threshold: each a mapping of its own, with IS_MMAPPED set
/// and the offset from the mapping's start in prev_size.
extension MallocThread {
    /// `sysmalloc_mmap`: a page-rounded mapping holding one chunk of at least `nb`.
    func mmapChunk(_ nb: Int) -> UnsafeMutableRawPointer? {
        // No next chunk lends its prev_size field, so one more word is needed.
        // A size that wraps past 2^64 is refused; a negative one (past 2^63) mmap refuses.
        let size = Layout.alignUp(nb &+ Layout.sizeSize, Layout.pageSize)
        if UInt(bitPattern: size) <= UInt(bitPattern: nb) { return nil }
        guard let mm = OSMemory.map(g, size) else { return nil }
        let p = Chunk(mm)
        p.prevSize = 0
        p.head = size | Layout.isMmappedBit
        let n = g.atomic(.nMmaps).loadThenWrappingIncrement(ordering: .relaxed) + 1
        if n > g[.maxNMmaps] { g[.maxNMmaps] = n }
        let sum = g.atomic(.mmappedMem).loadThenWrappingIncrement(by: size, ordering: .relaxed) + size
        if sum > g[.maxMmappedMem] { g[.maxMmappedMem] = sum }
        MmapRegistry(g: g).insert(p)
        count(.mmapped)
        return p.mem
    }

    /// The check shared by munmap_chunk and mremap_chunk: the mapping is whole pages and
    /// the user pointer's offset in its page is a power of two (16, or more after memalign).
    private func mappingIsValid(_ p: Chunk) -> Bool {
        let mem = UInt(bitPattern: p.mem)
        let block = UInt(bitPattern: p.address) &- UInt(bitPattern: p.prevSize)
        let total = UInt(bitPattern: p.prevSize) &+ UInt(bitPattern: p.size)
        let inPage = mem & UInt(Layout.pageSize - 1)
        // glibc's powerof2 holds for 0 too: memalign may put mem at the page's start.
        return (block | total) & UInt(Layout.pageSize - 1) == 0 && inPage & (inPage &- 1) == 0
    }

    /// `munmap_chunk`.
    func munmapChunk(_ p: Chunk) {
        guard mappingIsValid(p) else { g.report(.munmapInvalidPointer, p); return }
        let total = p.prevSize + p.size
        g.atomic(.nMmaps).wrappingDecrement(ordering: .relaxed)
        g.atomic(.mmappedMem).wrappingDecrement(by: total, ordering: .relaxed)
        MmapRegistry(g: g).remove(p)
        OSMemory.unmap(g, p.address - p.prevSize, total)
    }

    /// `mremap_chunk`: the chunk resized in place or moved by the kernel; nil if mremap
    /// failed (or a check did: see `aborted`).
    func mremapChunk(_ p: Chunk, _ newSize: Int) -> Chunk? {
        guard mappingIsValid(p) else { g.report(.mremapInvalidPointer, p); return nil }
        let offset = p.prevSize
        let size = p.size
        let total = offset + size
        // size_t arithmetic: a size past 2^63 reaches mremap, which refuses it.
        let newTotal = Layout.alignUp(newSize &+ offset &+ Layout.sizeSize, Layout.pageSize)
        if total == newTotal { return p }
        guard let cp = OSMemory.remap(g, p.address - offset, total, newTotal) else { return nil }
        let registry = MmapRegistry(g: g)
        registry.remove(p)
        let moved = Chunk(cp + offset)
        moved.head = (newTotal - offset) | Layout.isMmappedBit
        registry.insert(moved)
        let sum = g.atomic(.mmappedMem).loadThenWrappingIncrement(by: newTotal - total, ordering: .relaxed) + newTotal - total
        if sum > g[.maxMmappedMem] { g[.maxMmappedMem] = sum }
        return moved
    }
}
