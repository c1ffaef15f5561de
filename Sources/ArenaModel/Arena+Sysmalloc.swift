extension Arena {
    /// `sysmalloc`: serves `nb` when top is too small, by an mmapped chunk above the
    /// threshold, else by growing the heap (the break for the main arena; the current
    /// heap, or a new one, for the others) and splitting the new top.
    ///
    /// `nb` is a size_t (up to 2^63 + 16 from `checked_request2size`): the sums below wrap
    /// and are compared as glibc compares them, so a request no memory can meet fails here.
    func sysmalloc(_ nb: Int, _ t: MallocThread) -> UnsafeMutableRawPointer? {
        let g = t.g
        var triedMmap = false
        if UInt(bitPattern: nb) >= UInt(bitPattern: g[.mmapThreshold]) && g[.nMmaps] < g[.nMmapsMax] {
            if let mm = t.mmapChunk(nb) { return mm }
            triedMmap = true
        }

        let oldTop = top
        var oldSize = oldTop.size
        let oldEnd = oldTop.address + oldSize
        let isMain = self == g.mainArena

        if !isMain {
            let oldHeap = Heap.of(oldTop.address)
            let oldHeapSize = oldHeap.size
            // glibc casts this difference to long: a wrapped one is negative and skipped.
            let growth = Layout.minSize &+ nb &- oldSize
            if growth > 0 && oldHeap.grow(growth, g) {
                systemMem += oldHeap.size - oldHeapSize
                oldTop.head = (oldHeap.end - oldTop.address) | Layout.prevInUseBit
            } else if let heap = Heap.create(nb &+ Layout.minSize &+ Heap.headerSize, topPad: g[.topPad], following: oldHeap, g) {
                heap.arena = self
                heap.prev = oldHeap
                systemMem += heap.size
                top = Chunk(heap.base + Heap.headerSize)
                top.head = (heap.size - Heap.headerSize) | Layout.prevInUseBit
                // Fenceposts end the old heap; what is left of its top is freed.
                oldSize = (oldSize - Layout.minSize) & ~Layout.alignMask
                oldTop.at(oldSize + Layout.chunkHeaderSize).head = Layout.prevInUseBit
                if oldSize >= Layout.minSize {
                    oldTop.at(oldSize).head = Layout.chunkHeaderSize | Layout.prevInUseBit
                    oldTop.at(oldSize).setFoot(Layout.chunkHeaderSize)
                    oldTop.head = oldSize | Layout.prevInUseBit | Layout.nonMainArenaBit
                    intFree(oldTop, haveLock: true, t)
                } else {
                    oldTop.head = (oldSize + Layout.chunkHeaderSize) | Layout.prevInUseBit
                    oldTop.setFoot(oldSize + Layout.chunkHeaderSize)
                }
            } else if !triedMmap {
                if let mm = t.mmapChunk(nb) { return mm }
            }
        } else {
            // A long in glibc: past PTRDIFF_MAX it is negative, and MORECORE is not called.
            var size = nb &+ g[.topPad] &+ Layout.minSize
            if isContiguous { size = size &- oldSize }
            size = Layout.alignUp(size, Layout.pageSize)
            // The model owns its break: when it cannot move, the reservation is spent.
            guard size > 0, let brk = OSMemory.moreCore(g, size) else { return nil }
            if g[.sbrkBase] == 0 { g[.sbrkBase] = Int(bitPattern: brk) }
            systemMem += size
            if brk == oldEnd {
                oldTop.head = (size + oldSize) | Layout.prevInUseBit
            } else if oldSize != 0 && brk < oldEnd {
                g.report(.breakAdjusted, oldTop, self)
                return nil
            } else {
                // The first growth: align the first chunk, and end the break on a page.
                var correction = 0
                var alignedBrk = brk
                let frontMisalign = Int(bitPattern: brk + Layout.chunkHeaderSize) & Layout.alignMask
                if frontMisalign > 0 {
                    correction = Layout.alignment - frontMisalign
                    alignedBrk += correction
                }
                correction += oldSize
                let endMisalign = Int(bitPattern: brk) + size + correction
                correction += Layout.alignUp(endMisalign, Layout.pageSize) - endMisalign
                var sndBrk = OSMemory.moreCore(g, correction)
                if sndBrk == nil {
                    correction = 0
                    sndBrk = OSMemory.moreCore(g, 0)
                }
                if let sndBrk {
                    top = Chunk(alignedBrk)
                    top.head = (sndBrk - alignedBrk + correction) | Layout.prevInUseBit
                    systemMem += correction
                }
            }
        }

        if systemMem > maxSystemMem { maxSystemMem = systemMem }
        let p = top
        let size = p.size
        guard UInt(bitPattern: size) >= UInt(bitPattern: nb &+ Layout.minSize) else { return nil }
        let remainder = p.at(nb)
        top = remainder
        p.head = nb | Layout.prevInUseBit | (isMain ? 0 : Layout.nonMainArenaBit)
        remainder.head = (size - nb) | Layout.prevInUseBit
        return p.mem
    }

    /// `systrim`: gives the main arena's top back to the kernel above `pad`, by
    /// moving the break down. True if memory was released.
    func systrim(_ pad: Int, _ g: Globals) -> Bool {
        let topSize = top.size
        let topArea = topSize - Layout.minSize - 1
        // glibc compares the signed top_area with the unsigned pad: a top of exactly
        // MINSIZE (top_area -1) passes, extra comes out negative, and the break moves
        // up a page, which malloc_trim then reports as memory released.
        if UInt(bitPattern: topArea) <= UInt(bitPattern: pad) { return false }
        let extra = Int(bitPattern: UInt(bitPattern: topArea &- pad) & ~UInt(Layout.pageSize - 1))
        if extra == 0 { return false }
        guard let currentBrk = OSMemory.moreCore(g, 0), currentBrk == top.address + topSize else { return false }
        _ = OSMemory.moreCore(g, -extra)
        guard let newBrk = OSMemory.moreCore(g, 0) else { return false }
        let released = currentBrk - newBrk
        if released == 0 { return false }
        systemMem -= released
        top.head = (topSize - released) | Layout.prevInUseBit
        return true
    }

    /// `heap_trim`: unmaps whole heaps left holding nothing but top, then shrinks the
    /// last heap's top above `pad`.
    func heapTrim(_ startHeap: Heap, _ pad: Int, _ g: Globals) {
        var heap = startHeap
        var topChunk = top
        while topChunk.address == heap.base + Heap.headerSize, let prevHeap = heap.prev {
            let prevSize = prevHeap.size - (Layout.minSize - 2 * Layout.sizeSize)
            var p = Chunk(prevHeap.base + prevSize)
            let misalign = Int(bitPattern: p.address) & Layout.alignMask
            p = Chunk(prevHeap.base + prevSize - misalign)
            p = p.previous
            var newSize = p.size + (Layout.minSize - 2 * Layout.sizeSize) + misalign
            if !p.prevInUse { newSize += p.prevSize }
            // Unsigned in glibc, as `pad` is a size_t: a huge pad keeps every heap.
            if UInt(bitPattern: newSize + (Layout.heapMaxSize - prevHeap.size))
                < UInt(bitPattern: pad &+ Layout.minSize &+ heap.pageSize) { break }
            systemMem -= heap.size
            heap.release(g)
            heap = prevHeap
            if !p.prevInUse {
                p = p.previous
                guard unlink(p, g) else { return }
            }
            top = p
            topChunk = p
            topChunk.head = newSize | Layout.prevInUseBit
        }
        let topSize = topChunk.size
        if UInt(bitPattern: topSize) < UInt(bitPattern: g[.trimThreshold]) { return }
        let topArea = topSize - Layout.minSize - 1
        if topArea < 0 || UInt(bitPattern: topArea) <= UInt(bitPattern: pad) { return }
        let extra = Layout.alignDown(topArea &- pad, heap.pageSize)
        if extra == 0 { return }
        guard heap.shrink(extra, g) else { return }
        systemMem -= extra
        topChunk.head = (topSize - extra) | Layout.prevInUseBit
    }
}
