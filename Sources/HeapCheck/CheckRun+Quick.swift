import ArenaModel

/// The cheap invariants of the hardened mode: a few words around one call, never a
/// walk. Each reads only inside heaps of the map (refreshed by the caller when a chunk
/// lies outside it) and the main arena.
extension CheckRun {
    /// The heap of the map holding chunk `chunk` and its end as heap_info says now.
    func heapHolding(_ chunk: UInt) -> (index: Int, end: UInt)? {
        guard let index = map.heap(containing: chunk, span: 32) else { return nil }
        return (index, currentEnd(of: index))
    }

    /// A heap's end read afresh: the break for the main heap, heap_info's size otherwise.
    func currentEnd(of heap: Int) -> UInt {
        let h = map.heaps[heap]
        guard !map.arenas[h.arena].isMain else { return h.end }
        let size = GlibcLayout.peek(h.base &+ GlibcLayout.heapSize)
        return size <= GlibcLayout.heapMaxSize ? h.base &+ size : h.end
    }

    /// W2, W7, G1 (and W3 of the successor when `exclusive`) for a block just handed
    /// out; G5's shape for an mmapped one. Unless `final`, false when the chunk does not
    /// fit the map (the heaps may have grown: the caller refreshes the map and asks again).
    mutating func quickCheckBlock(_ mem: UInt, request: Int, exclusive: Bool, final: Bool, probe: MemoryProbe) -> Bool {
        let chunk = mem &- 16
        guard mem & 15 == 0 else {
            note(.g1, chunk: chunk, "block 0x\(Hex.string(mem)) is not 16-byte aligned", expected: "a 16-aligned pointer", actual: "0x\(Hex.string(mem))")
            return true
        }
        if map.heap(containing: chunk, span: 16) == nil && map.heapBase(of: chunk) == nil {
            // Not a heap chunk of the map: an mmapped chunk's header is in its own mapping.
            return probe.isReadable(chunk, count: 16) && quickCheckMapped(chunk, request: request)
        }
        guard let (heap, end) = heapHolding(chunk) else { return false }
        let head = GlibcLayout.peek(chunk &+ 8)
        let size = head & ~GlibcLayout.flagBits
        guard size >= GlibcLayout.minSize, size & 15 == 0, size <= end &- chunk &- 16, head & 2 == 0 else {
            if !final { return false }
            note(.w2, chunk: chunk, field: chunk &+ 8, "the block's chunk has a bad size field", expected: "a size from 0x20 inside its heap, IS_MMAPPED clear",
                 actual: "size field 0x\(Hex.string(head))")
            return true
        }
        let arenaBit: UInt = map.arenas[map.heaps[heap].arena].isMain ? 0 : 4
        if head & 4 != arenaBit {
            note(.w7, chunk: chunk, field: chunk &+ 8, "the block's NON_MAIN_ARENA flag does not match its heap", expected: "flag 0x4 \(arenaBit == 0 ? "clear" : "set")",
                 actual: "size field 0x\(Hex.string(head))")
        }
        if Int(size) - 8 < request {
            note(.g1, chunk: chunk, field: chunk &+ 8, "the block is smaller than the request", expected: "usable size at least \(request)", actual: "\(Int(size) - 8)")
        }
        if exclusive && GlibcLayout.peek(chunk &+ size &+ 8) & 1 == 0 {
            note(.w3, chunk: chunk &+ size, field: chunk &+ size &+ 8, "the chunk after an in-use block has PREV_INUSE clear",
                 expected: "PREV_INUSE 1", actual: "size field 0x\(Hex.string(GlibcLayout.peek(chunk &+ size &+ 8)))")
        }
        return true
    }

    private mutating func quickCheckMapped(_ chunk: UInt, request: Int) -> Bool {
        let head = GlibcLayout.peek(chunk &+ 8)
        guard head & 2 != 0 else { return false }
        let offset = GlibcLayout.peek(chunk), size = head & ~GlibcLayout.flagBits
        if (chunk &- offset) & (GlibcLayout.pageSize - 1) != 0 || (offset &+ size) & (GlibcLayout.pageSize - 1) != 0 || Int(size) - 16 < request {
            note(.g5, chunk: chunk, field: chunk &+ 8, "the mmapped block's chunk is malformed", expected: "a page-aligned mapping of whole pages covering the request",
                 actual: "prev_size 0x\(Hex.string(offset)), size field 0x\(Hex.string(head))")
        }
        return true
    }

    /// W1, W6 for arena `arena`'s top, L1 at its unsorted bin's head. Unless `final`,
    /// false when top does not fit the map (the caller refreshes the map and asks again).
    mutating func quickCheckArena(_ arena: Int, final: Bool) -> Bool {
        let base = map.arenas[arena].address
        let top = GlibcLayout.peek(base &+ GlibcLayout.top)
        guard let (heap, end) = heapHolding(top), map.heaps[heap].arena == arena else { return false }
        let head = GlibcLayout.peek(top &+ 8)
        if head & 1 == 0 || head & ~GlibcLayout.flagBits < GlibcLayout.minSize || head & ~GlibcLayout.flagBits != end &- top {
            if !final { return false }
            note(head & 1 == 0 ? .w6 : .w1, chunk: top, field: top &+ 8, "top does not end the heap with PREV_INUSE set",
                 expected: "size 0x\(Hex.string(end &- top)) | PREV_INUSE", actual: "size field 0x\(Hex.string(head))")
        }
        let header = GlibcLayout.binHeader(base, 1)
        for (link, back) in [(GlibcLayout.fd, GlibcLayout.bk), (GlibcLayout.bk, GlibcLayout.fd)] {
            let neighbour = GlibcLayout.peek(header &+ link)
            guard neighbour != header else { continue }
            guard neighbour & 15 == 0, let h = map.heap(containing: neighbour, span: UInt(GlibcLayout.linkedChunkSpan)), map.heaps[h].arena == arena,
                  GlibcLayout.peek(neighbour &+ back) == header else {
                note(.l1, chunk: 0, field: header &+ link, arena: arena, "the unsorted bin's head and its \(link == GlibcLayout.fd ? "first" : "last") chunk do not link both ways",
                     expected: "a chunk of the arena linking back to the head", actual: "0x\(Hex.string(neighbour))")
                return true
            }
        }
        return true
    }

    /// L9, L10 (and L3) over one bin of a thread's tcache, at most tcache_count + 1 steps.
    /// Unless `final`, false when an entry lies outside the map's heaps (the caller
    /// refreshes the map and asks again).
    mutating func quickCheckTcacheBin(_ tcache: UInt, bin: Int, final: Bool) -> Bool {
        guard bin < parameters.tcacheBins else { return true }
        guard map.heap(containing: tcache &- 16, span: 16 + GlibcLayout.tcacheStructSize) != nil else { return final }
        let count = Int(UnsafeRawPointer(bitPattern: tcache &+ UInt(bin) &* 2).unsafelyUnwrapped.load(as: UInt16.self))
        var entry = GlibcLayout.peek(tcache &+ GlibcLayout.tcacheEntries &+ UInt(bin) &* 8)
        var length = 0
        let (limit, key) = (parameters.tcacheCount, parameters.tcacheKey)
        while entry != 0 && length <= limit {
            guard entry & 15 == 0, map.heap(containing: entry &- 16, span: 32) != nil, GlibcLayout.peek(entry &+ 8) == key,
                  GlibcLayout.peek(entry &- 8) & ~GlibcLayout.flagBits == UInt(Layout.minSize + 16 * bin) else {
                if !final { return false }
                note(length == 0 ? .l2 : .l10, chunk: entry &- 16, "tcache bin \(bin): entry \(length) is not a cached chunk of its size in a heap",
                     expected: "a 16-aligned chunk of size 0x\(Hex.string(UInt(Layout.minSize + 16 * bin))) carrying the tcache key", actual: "0x\(Hex.string(entry))")
                return true
            }
            length += 1
            entry = (entry >> 12) ^ GlibcLayout.peek(entry)
        }
        if length != count || count > limit {
            note(.l9, chunk: tcache &- 16, field: tcache &+ UInt(bin) &* 2, "tcache bin \(bin)'s count disagrees with its list",
                 expected: "count \(min(length, limit)), at most \(limit)", actual: "count \(count)")
        }
        return true
    }
}
