import Atomics

extension Arena {
    /// `_int_malloc`: the chunk for `bytes` from this arena, the caller holding its lock.
    ///
    /// The order is glibc's: the fastbin of the exact size, the small bin of the exact
    /// size, then the unsorted bin (exact fits taken, the rest sorted into bins), then
    /// the best fit of the large bins, the next non-empty bin by the binmap, and last
    /// the top chunk, grown by `sysmalloc` when it is too small.
    @inline(never)
    func intMalloc(_ bytes: Int, _ t: MallocThread) -> UnsafeMutableRawPointer? {
        let g = t.g
        let nb = Layout.checkedRequestToSize(bytes)
        if nb == 0 { return nil }

        if UInt(bitPattern: nb) <= UInt(bitPattern: g[.globalMaxFast]) {
            let idx = Layout.fastBinIndex(nb)
            if let first = fastbin(idx) {
                if first.isMisaligned { g.report(.mallocUnalignedFastbin2, first, self); return nil }
                // Another thread may have emptied the bin: then on to the other bins.
                if let victim = popFastbin(idx, first, g, .mallocUnalignedFastbin) {
                    if Layout.fastBinIndex(victim.size) != idx {
                        g.report(.mallocMemoryCorruptionFast, victim, self); return nil
                    }
                    t.count(.fastbinHit)
                    let tcIdx = Layout.tcacheIndex(chunkSize: nb)
                    if let tc = t.tcache, tcIdx < g[.tcacheBins], tc.count(tcIdx) < g[.tcacheCount] {
                        guard stashFastbin(idx, into: tc, tcIdx, g) else { return nil }
                    }
                    return t.allocPerturb(victim.mem, bytes)
                } else if g.aborted {
                    return nil
                }
            }
        }

        return intMallocFromBins(bytes, nb, t)
    }

    /// `_int_malloc` past the fastbins.
    @inline(__always)
    private func intMallocFromBins(_ bytes: Int, _ nb: Int, _ t: MallocThread) -> UnsafeMutableRawPointer? {
        let g = t.g
        let arenaBit = self == g.mainArena ? 0 : Layout.nonMainArenaBit
        var idx: Int
        if Layout.inSmallBinRange(nb) {
            idx = Layout.smallBinIndex(nb)
            let bin = bin(idx)
            let victim = bin.bk
            if victim != bin {
                let bck = victim.bk
                if bck.fd != victim { g.report(.mallocSmallbinCorrupted, victim, self); return nil }
                victim.setInUseBit(at: nb)
                bin.bk = bck
                bck.fd = bin
                if arenaBit != 0 { victim.setNonMainArena() }
                t.count(.smallbinHit)
                let tcIdx = Layout.tcacheIndex(chunkSize: nb)
                if let tc = t.tcache, tcIdx < g[.tcacheBins] {
                    while tc.count(tcIdx) < g[.tcacheCount] {
                        let stashed = bin.bk
                        if stashed == bin { break }
                        let back = stashed.bk
                        stashed.setInUseBit(at: nb)
                        if arenaBit != 0 { stashed.setNonMainArena() }
                        bin.bk = back
                        back.fd = bin
                        t.tcachePut(stashed, tcIdx, tc)
                    }
                }
                return t.allocPerturb(victim.mem, bytes)
            }
        } else {
            idx = Layout.largeBinIndex(for: nb)
            if haveFastChunks { guard consolidate(g) else { return nil } }
        }

        // Chunks found while sorting the unsorted bin may fill the tcache first.
        let tcIdx = Layout.tcacheIndex(chunkSize: nb)
        let tc = t.tcache
        let tcacheNb = tc != nil && tcIdx < g[.tcacheBins] ? nb : 0
        var returnCached = false
        var tcacheUnsortedCount = 0
        let unsorted = unsortedBin

        while true {
            var iterations = 0
            while true {
                let victim = unsorted.bk
                if victim == unsorted { break }
                var bck = victim.bk
                var size = victim.size
                let next = victim.at(size)
                if size <= Layout.chunkHeaderSize || size > systemMem {
                    g.report(.mallocInvalidSizeUnsorted, victim, self); return nil
                }
                if next.head < Layout.chunkHeaderSize || next.head > systemMem {
                    g.report(.mallocInvalidNextSizeUnsorted, victim, self); return nil
                }
                if next.prevSize & ~Layout.sizeBits != size {
                    g.report(.mallocMismatchingPrevSizeUnsorted, victim, self); return nil
                }
                if bck.fd != victim || victim.fd != unsorted {
                    g.report(.mallocUnsortedCorrupted, victim, self); return nil
                }
                if next.prevInUse { g.report(.mallocInvalidNextPrevInUseUnsorted, victim, self); return nil }

                // A run of small requests carves up the last remainder, for locality.
                if Layout.inSmallBinRange(nb) && bck == unsorted && victim == lastRemainder
                    && UInt(bitPattern: size) > UInt(bitPattern: nb + Layout.minSize) {
                    let remainderSize = size - nb
                    let remainder = victim.at(nb)
                    unsorted.bk = remainder
                    unsorted.fd = remainder
                    lastRemainder = remainder
                    remainder.bk = unsorted
                    remainder.fd = unsorted
                    if !Layout.inSmallBinRange(remainderSize) {
                        remainder.fdNextSize = nil
                        remainder.bkNextSize = nil
                    }
                    victim.head = nb | Layout.prevInUseBit | arenaBit
                    remainder.head = remainderSize | Layout.prevInUseBit
                    remainder.setFoot(remainderSize)
                    t.count(.lastRemainderSplit)
                    return t.allocPerturb(victim.mem, bytes)
                }

                if bck.fd != victim { g.report(.mallocCorruptedUnsorted3, victim, self); return nil }
                unsorted.bk = bck
                bck.fd = unsorted

                if size == nb {
                    victim.setInUseBit(at: size)
                    if arenaBit != 0 { victim.setNonMainArena() }
                    if tcacheNb != 0, let tc, tc.count(tcIdx) < g[.tcacheCount] {
                        t.tcachePut(victim, tcIdx, tc)
                        returnCached = true
                        continue
                    }
                    t.count(.unsortedExact)
                    return t.allocPerturb(victim.mem, bytes)
                }

                // Sort the chunk into its bin; a large bin stays sorted, largest first.
                let victimIndex: Int
                var fwd: Chunk
                if Layout.inSmallBinRange(size) {
                    victimIndex = Layout.smallBinIndex(size)
                    bck = bin(victimIndex)
                    fwd = bck.fd
                } else {
                    victimIndex = Layout.largeBinIndex(for: size)
                    bck = bin(victimIndex)
                    fwd = bck.fd
                    if fwd != bck {
                        size |= Layout.prevInUseBit
                        if UInt(bitPattern: size) < UInt(bitPattern: bck.bk.head) {
                            fwd = bck
                            bck = bck.bk
                            victim.fdNextSize = fwd.fd
                            victim.bkNextSize = fwd.fd.bkNextSize
                            fwd.fd.bkNextSize = victim
                            victim.bkNextSize!.fdNextSize = victim
                        } else {
                            while UInt(bitPattern: size) < UInt(bitPattern: fwd.head) {
                                fwd = fwd.fdNextSize!
                            }
                            if size == fwd.head {
                                fwd = fwd.fd
                            } else {
                                victim.fdNextSize = fwd
                                victim.bkNextSize = fwd.bkNextSize
                                if fwd.bkNextSize!.fdNextSize != fwd {
                                    g.report(.mallocLargebinNextsize, fwd, self); return nil
                                }
                                fwd.bkNextSize = victim
                                victim.bkNextSize!.fdNextSize = victim
                            }
                            bck = fwd.bk
                            if bck.fd != fwd { g.report(.mallocLargebinBk, fwd, self); return nil }
                        }
                    } else {
                        victim.fdNextSize = victim
                        victim.bkNextSize = victim
                    }
                }
                markBin(victimIndex)
                victim.bk = bck
                victim.fd = fwd
                fwd.bk = victim
                bck.fd = victim

                tcacheUnsortedCount += 1
                if returnCached && g[.tcacheUnsortedLimit] > 0 && tcacheUnsortedCount > g[.tcacheUnsortedLimit] {
                    return t.tcacheGet(tcIdx, tc!)
                }
                iterations += 1
                if iterations >= 10000 { break }
            }

            if returnCached { return t.tcacheGet(tcIdx, tc!) }

            // A large request: the smallest chunk that fits, by the nextsize skip list.
            if !Layout.inSmallBinRange(nb) {
                let bin = bin(idx)
                var victim = bin.fd
                if victim != bin && UInt(bitPattern: victim.head) >= UInt(bitPattern: nb) {
                    victim = victim.bkNextSize!
                    while UInt(bitPattern: victim.size) < UInt(bitPattern: nb) { victim = victim.bkNextSize! }
                    // Take the second of equal sizes so the skip list need not be rerouted.
                    if victim != bin.bk && victim.head == victim.fd.head { victim = victim.fd }
                    t.count(.largebinHit)
                    return splitFromBin(victim, nb, bytes, arenaBit, t, .mallocCorruptedUnsorted, setsLastRemainder: false)
                }
            }

            // The next non-empty bin of larger chunks, found through the binmap.
            idx += 1
            var bin = bin(idx)
            var block = Layout.binmapBlock(idx)
            var map = binmapWord(block)
            var bit = Layout.binmapBit(idx)
            var useTop = false
            while true {
                if bit > map || bit == 0 {
                    repeat {
                        block += 1
                        if block >= Layout.binmapWordCount { useTop = true; break }
                        map = binmapWord(block)
                    } while map == 0
                    if useTop { break }
                    bin = self.bin(block << 5)
                    bit = 1
                }
                while bit & map == 0 {
                    bin = bin.at(16)
                    bit <<= 1
                }
                let victim = bin.bk
                if victim == bin {
                    map &= ~bit
                    setBinmapWord(block, map)
                    bin = bin.at(16)
                    bit <<= 1
                } else {
                    t.count(.binmapHit)
                    return splitFromBin(victim, nb, bytes, arenaBit, t, .mallocCorruptedUnsorted2,
                                        setsLastRemainder: Layout.inSmallBinRange(nb))
                }
            }

            // The top chunk, treated as larger than any binned chunk.
            let victim = top
            let size = victim.size
            if UInt(bitPattern: size) > UInt(bitPattern: systemMem) {
                g.report(.mallocCorruptedTopSize, victim, self); return nil
            }
            if UInt(bitPattern: size) >= UInt(bitPattern: nb &+ Layout.minSize) {
                let remainder = victim.at(nb)
                top = remainder
                victim.head = nb | Layout.prevInUseBit | arenaBit
                remainder.head = (size - nb) | Layout.prevInUseBit
                t.count(.topSplit)
                return t.allocPerturb(victim.mem, bytes)
            } else if haveFastChunks {
                guard consolidate(g) else { return nil }
                idx = Layout.binIndex(for: nb)
            } else {
                t.count(.sysmalloc)
                guard let p = sysmalloc(nb, t) else { return nil }
                return t.allocPerturb(p, bytes)
            }
        }
    }

    /// Unlinks `victim` from its bin and returns its first `nb` bytes; a remainder of
    /// at least MINSIZE goes to the unsorted bin.
    @inline(__always)
    private func splitFromBin(_ victim: Chunk, _ nb: Int, _ bytes: Int, _ arenaBit: Int, _ t: MallocThread,
                              _ check: MallocCheck, setsLastRemainder: Bool) -> UnsafeMutableRawPointer? {
        let g = t.g
        let size = victim.size
        let remainderSize = size - nb
        guard unlink(victim, g) else { return nil }
        if remainderSize < Layout.minSize {
            victim.setInUseBit(at: size)
            if arenaBit != 0 { victim.setNonMainArena() }
        } else {
            let remainder = victim.at(nb)
            let bck = unsortedBin
            let fwd = bck.fd
            if fwd.bk != bck { g.report(check, fwd, self); return nil }
            remainder.bk = bck
            remainder.fd = fwd
            bck.fd = remainder
            fwd.bk = remainder
            if setsLastRemainder { lastRemainder = remainder }
            if !Layout.inSmallBinRange(remainderSize) {
                remainder.fdNextSize = nil
                remainder.bkNextSize = nil
            }
            victim.head = nb | Layout.prevInUseBit | arenaBit
            remainder.head = remainderSize | Layout.prevInUseBit
            remainder.setFoot(remainderSize)
        }
        return t.allocPerturb(victim.mem, bytes)
    }

    /// Moves chunks of the same size from fastbin `idx` to the tcache until it is full
    /// (the stashing loop of `_int_malloc`). With one thread the bin's head, the tcache
    /// bin's head and its count stay in registers through the loop. False on corruption.
    @inline(__always)
    private func stashFastbin(_ idx: Int, into tc: TCache, _ tcIdx: Int, _ g: Globals) -> Bool {
        let limit = g[.tcacheCount]
        if g.multiThreaded {
            while tc.count(tcIdx) < limit, let next = fastbin(idx) {
                if next.isMisaligned { g.report(.mallocUnalignedFastbin3, next, self); return false }
                guard let stashed = popFastbin(idx, next, g, .mallocUnalignedFastbin) else { return !g.aborted }
                MallocThread.tcachePut(stashed, tcIdx, tc, key: g[.tcacheKey])
            }
            return true
        }
        let key = g[.tcacheKey]
        var count = tc.count(tcIdx)
        var head = fastbinSlot(idx).load(as: Int.self)
        var entry = tc.entryAddress(tcIdx)
        var corrupted: Chunk? = nil
        while count < limit && head != 0 {
            let chunk = Chunk(UnsafeMutableRawPointer(bitPattern: head).unsafelyUnwrapped)
            if chunk.isMisaligned { corrupted = chunk; break }
            let e = chunk.mem
            head = (Int(bitPattern: e) >> 12) ^ e.load(as: Int.self)
            e.storeBytes(of: key, toByteOffset: 8, as: Int.self)
            e.storeBytes(of: (Int(bitPattern: e) >> 12) ^ entry, as: Int.self)
            entry = Int(bitPattern: e)
            count &+= 1
        }
        fastbinSlot(idx).storeBytes(of: head, as: Int.self)
        tc.setEntryAddress(tcIdx, entry)
        tc.setCount(tcIdx, count)
        if let corrupted { g.report(.mallocUnalignedFastbin3, corrupted, self); return false }
        return true
    }

    /// Takes the first chunk off fastbin `idx`, whose head was `first`: a plain store when
    /// one thread runs, glibc's compare-and-swap loop (`REMOVE_FB`) when frees may race.
    /// Nil when the bin emptied meanwhile or a check failed.
    @inline(__always)
    func popFastbin(_ idx: Int, _ first: Chunk, _ g: Globals, _ check: MallocCheck) -> Chunk? {
        if !g.multiThreaded {
            setFastbin(idx, first.revealedFd)
            return first
        }
        let slot = UnsafeAtomic<Int>(at: fastbinSlot(idx).assumingMemoryBound(to: Int.AtomicRepresentation.self))
        var victim = first
        while true {
            let next = victim.revealedFd
            if let next, next.isMisaligned { g.report(check, next, self); return nil }
            let (done, current) = slot.compareExchange(expected: Int(bitPattern: victim.address),
                                                       desired: Int(bitPattern: next?.address), ordering: .acquiring)
            if done { return victim }
            guard let head = UnsafeMutableRawPointer(bitPattern: current) else { return nil }
            victim = Chunk(head)
        }
    }

    /// `unlink_chunk`: takes a free chunk off its doubly linked bin; false on corruption.
    func unlink(_ p: Chunk, _ g: Globals) -> Bool {
        if p.size != p.next.prevSize { g.report(.corruptedSizeVsPrevSize, p, self); return false }
        let fd = p.fd, bk = p.bk
        if fd.bk != p || bk.fd != p { g.report(.corruptedDoubleLinkedList, p, self); return false }
        fd.bk = bk
        bk.fd = fd
        if !Layout.inSmallBinRange(p.head), let pNext = p.fdNextSize {
            let pPrev = p.bkNextSize!
            if pNext.bkNextSize != p || pPrev.fdNextSize != p {
                g.report(.corruptedDoubleLinkedListNotSmall, p, self); return false
            }
            if fd.fdNextSize == nil {
                if pNext == p {
                    fd.fdNextSize = fd
                    fd.bkNextSize = fd
                } else {
                    fd.fdNextSize = pNext
                    fd.bkNextSize = pPrev
                    pNext.bkNextSize = fd
                    pPrev.fdNextSize = fd
                }
            } else {
                pNext.bkNextSize = pPrev
                pPrev.fdNextSize = pNext
            }
        }
        return true
    }
}
