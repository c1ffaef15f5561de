import Atomics

extension Arena {
    /// `_int_free`: returns chunk `p` to the thread's tcache, a fastbin, or (merged with
    /// its free neighbours) the unsorted bin or top; `haveLock` says whether the caller
    /// already holds this arena's lock. The checks and the tcache are inlined into the
    /// callers; the fastbins and bins are out of line.
    @inline(__always)
    func intFree(_ p: Chunk, haveLock: Bool, _ t: MallocThread) {
        let g = t.g
        let size = p.size
        // The allocator never wraps around the end of the address space.
        if UInt(bitPattern: p.address) > UInt(bitPattern: 0 &- size) || p.isMisaligned {
            g.report(.freeInvalidPointer, p, self); return
        }
        if size < Layout.minSize || size & Layout.alignMask != 0 {
            g.report(.freeInvalidSize, p, self); return
        }

        let tcIdx = Layout.tcacheIndex(chunkSize: size)
        if let tc = t.tcache, tcIdx < g[.tcacheBins] {
            if TCacheEntry.key(p.mem) == g[.tcacheKey] { return freeMarkedCached(p, size, tcIdx, tc, haveLock: haveLock, t) }
            if tc.count(tcIdx) < g[.tcacheCount] {
                t.tcachePut(p, tcIdx, tc)
                return
            }
        }
        freeToArena(p, size, haveLock: haveLock, t)
    }

    /// `_int_free` of a chunk that carries the tcache key: a match by chance is possible,
    /// so the bin is walked before the chunk is taken for a double free.
    @inline(never)
    private func freeMarkedCached(_ p: Chunk, _ size: Int, _ tcIdx: Int, _ tc: TCache, haveLock: Bool, _ t: MallocThread) {
        guard t.tcacheCheckDoubleFree(p.mem, tcIdx, tc) else { return }
        if tc.count(tcIdx) < t.g[.tcacheCount] {
            t.tcachePut(p, tcIdx, tc)
            return
        }
        freeToArena(p, size, haveLock: haveLock, t)
    }

    /// `_int_free` past the tcache: a fastbin, or the bins, or munmap. A sound chunk
    /// freed by the only thread, without perturbing, takes the short way to its fastbin.
    @inline(never)
    private func freeToArena(_ p: Chunk, _ size: Int, haveLock: Bool, _ t: MallocThread) {
        let g = t.g
        guard UInt(bitPattern: size) <= UInt(bitPattern: g[.globalMaxFast]) else {
            return freeToBinsOrUnmap(p, size, haveLock: haveLock, t)
        }
        let next = p.at(size)
        if next.head <= Layout.chunkHeaderSize || next.size >= systemMem || g[.perturbByte] != 0 || g.multiThreaded {
            return freeToFastbin(p, size, haveLock: haveLock, t)
        }
        pushFastbin(p, size, haveLock: haveLock, t)
    }

    /// The fastbin half of `_int_free` in full.
    @inline(never)
    private func freeToFastbin(_ p: Chunk, _ size: Int, haveLock: Bool, _ t: MallocThread) {
        let g = t.g
        let next = p.at(size)
        if next.head <= Layout.chunkHeaderSize || next.size >= systemMem {
            // Without the lock, system_mem may be changing: check again under it.
            var fail = true
            if !haveLock && g.multiThreaded {
                lock(t)
                fail = next.head <= Layout.chunkHeaderSize || next.size >= systemMem
                unlock(t)
            }
            if fail { g.report(.freeInvalidNextSizeFast, p, self); return }
        }
        t.freePerturb(p.mem, size - Layout.chunkHeaderSize)
        if g.multiThreaded { return pushFastbinAtomically(p, size, haveLock: haveLock, t) }
        pushFastbin(p, size, haveLock: haveLock, t)
    }

    /// Pushes `p` on its fastbin with plain stores: one thread runs.
    @inline(__always)
    private func pushFastbin(_ p: Chunk, _ size: Int, haveLock: Bool, _ t: MallocThread) {
        let g = t.g
        haveFastChunks = true
        let idx = Layout.fastBinIndex(size)
        let old = fastbinSlot(idx).load(as: Int.self)
        if old == Int(bitPattern: p.address) { return g.report(.doubleFreeFasttop, p, self) }
        p.address.storeBytes(of: (Int(bitPattern: p.address + 16) >> 12) ^ old, toByteOffset: 16, as: Int.self)
        fastbinSlot(idx).storeBytes(of: Int(bitPattern: p.address), as: Int.self)
        t.count(.fastbinFree)
        if haveLock { checkFastbinEntry(old, idx, g) }
    }

    /// With the lock held, the chunk below the new one may be examined: it must be of
    /// the bin's size.
    @inline(__always)
    private func checkFastbinEntry(_ old: Int, _ idx: Int, _ g: Globals) {
        if let oldChunk = UnsafeMutableRawPointer(bitPattern: old).map({ Chunk($0) }), Layout.fastBinIndex(oldChunk.size) != idx {
            g.report(.invalidFastbinEntry, oldChunk, self)
        }
    }

    @inline(never)
    private func freeToBinsOrUnmap(_ p: Chunk, _ size: Int, haveLock: Bool, _ t: MallocThread) {
        if p.isMmapped {
            t.munmapChunk(p)
            return
        }
        // An explicit unlock, not a defer: Swift outlines a defer here as a call.
        let locks = !haveLock && t.g.multiThreaded
        if locks { lock(t) }
        freeToBins(p, size, t)
        if locks { unlock(t) }
    }

    /// Pushes `p` on its fastbin with glibc's compare-and-swap loop, as frees run
    /// without the arena lock.
    @inline(never)
    private func pushFastbinAtomically(_ p: Chunk, _ size: Int, haveLock: Bool, _ t: MallocThread) {
        let g = t.g
        haveFastChunks = true
        let idx = Layout.fastBinIndex(size)
        let slot = UnsafeAtomic<Int>(at: fastbinSlot(idx).assumingMemoryBound(to: Int.AtomicRepresentation.self))
        var old = slot.load(ordering: .relaxed)
        while true {
            if old == Int(bitPattern: p.address) { return g.report(.doubleFreeFasttop, p, self) }
            p.address.storeBytes(of: (Int(bitPattern: p.address + 16) >> 12) ^ old, toByteOffset: 16, as: Int.self)
            let (done, current) = slot.compareExchange(expected: old, desired: Int(bitPattern: p.address), ordering: .releasing)
            if done { break }
            old = current
        }
        t.count(.fastbinFree)
        if haveLock { checkFastbinEntry(old, idx, g) }
    }

    /// The locked half of `_int_free`: coalesce with free neighbours, then the unsorted
    /// bin or top; a large result consolidates the fastbins and may trim.
    @inline(__always)
    private func freeToBins(_ p: Chunk, _ chunkSize: Int, _ t: MallocThread) {
        let g = t.g
        var p = p, size = chunkSize
        let nextChunk = p.at(size)
        if p == top { g.report(.doubleFreeTop, p, self); return }
        if isContiguous && UInt(bitPattern: nextChunk.address) >= UInt(bitPattern: top.address + top.size) {
            g.report(.doubleFreeOut, p, self); return
        }
        if !nextChunk.prevInUse { g.report(.doubleFreePrev, p, self); return }
        let nextSize = nextChunk.size
        if nextChunk.head <= Layout.chunkHeaderSize || nextSize >= systemMem {
            g.report(.freeInvalidNextSizeNormal, p, self); return
        }
        t.freePerturb(p.mem, size - Layout.chunkHeaderSize)

        if !p.prevInUse {
            let prevSize = p.prevSize
            size += prevSize
            p = p.at(-prevSize)
            if p.size != prevSize { g.report(.corruptedSizeConsolidating, p, self); return }
            guard unlink(p, g) else { return }
        }

        if nextChunk != top {
            if !nextChunk.inUseBit(at: nextSize) {
                guard unlink(nextChunk, g) else { return }
                size += nextSize
            } else {
                nextChunk.clearInUseBit(at: 0)
            }
            let bck = unsortedBin
            let fwd = bck.fd
            if fwd.bk != bck { g.report(.freeCorruptedUnsorted, fwd, self); return }
            p.fd = fwd
            p.bk = bck
            if !Layout.inSmallBinRange(size) {
                p.fdNextSize = nil
                p.bkNextSize = nil
            }
            bck.fd = p
            fwd.bk = p
            p.head = size | Layout.prevInUseBit
            p.setFoot(size)
            t.count(.binFree)
        } else {
            size += nextSize
            p.head = size | Layout.prevInUseBit
            top = p
            t.count(.topMerge)
        }

        if size >= Layout.fastbinConsolidationThreshold {
            if haveFastChunks { guard consolidate(g) else { return } }
            if self == g.mainArena {
                if UInt(bitPattern: top.size) >= UInt(bitPattern: g[.trimThreshold]) {
                    _ = systrim(g[.topPad], g)
                }
            } else {
                heapTrim(Heap.of(top.address), g[.topPad], g)
            }
        }
    }
}

extension MallocThread {
    /// The double-free walk of `_int_free`: false (and a violation) if `e` is in its bin.
    @inline(never)
    func tcacheCheckDoubleFree(_ e: UnsafeMutableRawPointer, _ index: Int, _ tc: TCache) -> Bool {
        var count = 0
        var tmp = tc.entry(index)
        while let entry = tmp {
            if count >= g[.tcacheCount] { g.report(.freeTooManyTcache, Chunk(mem: e)); return false }
            if Int(bitPattern: entry) & Layout.alignMask != 0 { g.report(.freeUnalignedTcache, Chunk(mem: entry)); return false }
            if entry == e { g.report(.freeDoubleFreeTcache, Chunk(mem: e)); return false }
            tmp = TCacheEntry.next(entry)
            count += 1
        }
        return true
    }
}
