import CSupport

/// The heap walk's fast pass: every check the heap walk makes on a chunk (W1-W7, L5,
/// L7, the marks it matches), folded into one word of error bits with no branch on what
/// a chunk holds, and looked at once per heap. A heap where the pass sees anything amiss
/// is walked again by `walkHeap`, which says what is wrong and where; the pass itself
/// changes nothing then. It reads what `walkHeap` reads, within the same bounds: each
/// size is validated before the step it makes, so the pass stays inside the heap and
/// ends after at most (heap size / 16) steps.
extension CheckRun {
    /// Every heap walked: the fast pass first, the precise walk where the pass fails,
    /// and always when the chunks are recorded for a dump.
    mutating func walkHeaps() {
        for index in map.heaps.indices where spans != nil || !fastWalk(index) {
            walkHeap(index)
        }
    }

    /// True, with the heap's figures added and its marks cleared, when heap `index` is
    /// sound by every check of the heap walk; false, with nothing changed, otherwise (or
    /// when it does not end in top: a heap ending in fenceposts takes the precise walk).
    mutating func fastWalk(_ index: Int) -> Bool {
        let heap = map.heaps[index]
        let arena = map.arenas[heap.arena]
        let top = arena.top, first = heap.firstChunk
        // The last address a chunk can start at: its header must lie inside the heap.
        let last = heap.end &- 16
        // A heap of fewer than 2^32 chunks (of at least 32 bytes) keeps the counts below apart.
        guard heap.isCurrent, first <= last, last &- first < 1 << 36 else { return false }
        let markBase = marks + heap.markWords
        let arenaBit: UInt = arena.isMain ? 0 : 4
        var p = first
        var wrong: UInt = 0
        var previousBinned: UInt = 0
        // Chunks and binned ones, cached and live ones, as two 32-bit counts a word: a
        // heap holds fewer than 2^32 chunks (the guard above). Few accumulators, so that
        // the loop keeps them all in registers.
        var chunksAndBinned: UInt = 0, cachedAndLive: UInt = 0
        var binnedBytes: UInt = 0, cachedBytes: UInt = 0
        // p <= last holds at the top of each step: the header at p + 8 and the word at
        // next (a binned chunk's footer) are inside the heap.
        while p != top {
            // Prefetches, not loads (see `walkHeap`): the heap comes in ahead of the pass.
            cs_prefetch(UnsafeRawPointer(bitPattern: min(p &+ CheckRun.readAhead, last)))
            let head = GlibcLayout.peek(p &+ 8)
            let size = head & ~GlibcLayout.flagBits
            guard size >= GlibcLayout.minSize, size & 15 == 0, size <= last &- p else { return false }
            let next = p &+ size
            let granule = (p &- first) >> 4
            let code = UInt(truncatingIfNeeded: markBase[Int(granule >> 5)] >> ((granule & 31) << 1)) & 3
            // 1 binned, 2 cached, 3 live (see CheckRun), taken apart with bit operations:
            // a comparison per kind would become a jump on the kind.
            let low = code & 1, high = code >> 1
            let binned = low & ~high, cached = high & ~low, live = low & high
            let binnedMask = 0 &- binned
            // The flags: PREV_INUSE unless the chunk before is binned (L5, L7, W3),
            // NON_MAIN_ARENA on an in-use chunk of a non-main arena (W7), IS_MMAPPED never (W2).
            wrong |= (head & GlibcLayout.flagBits) ^ ((arenaBit & ~binnedMask) | (previousBinned ^ 1))
            // A binned chunk: no binned chunk before it and not top after it (W5), its
            // footer in the next chunk's prev_size (W4).
            wrong |= ((GlibcLayout.peek(next) ^ size) | previousBinned | (next == top ? 1 : 0)) & binnedMask
            chunksAndBinned &+= 1 | binned << 32
            cachedAndLive &+= cached | live << 32
            binnedBytes &+= size & binnedMask
            cachedBytes &+= size & (0 &- cached)
            previousBinned = binned
            p = next
        }
        let chunks = chunksAndBinned & 0xFFFF_FFFF
        let counts = (binned: chunksAndBinned >> 32, cached: cachedAndLive & 0xFFFF_FFFF, live: cachedAndLive >> 32)
        // With the flags as expected, the chunks whose successor's PREV_INUSE is clear are
        // the binned ones, and the chunks walked tile the heap from its first to top.
        let (freeBytes, walked) = (binnedBytes, top &- first)
        // Top (W1, W5, W6, W7, L5): in no list, after an in-use chunk, PREV_INUSE its only
        // flag, at least MINSIZE, ending where the heap ends.
        let head = GlibcLayout.peek(top &+ 8)
        let topSize = head & ~GlibcLayout.flagBits
        let topGranule = (top &- first) >> 4
        let topCode = (markBase[Int(topGranule >> 5)] >> ((topGranule & 31) << 1)) & 3
        guard wrong == 0, topCode == 0, previousBinned == 0, head & GlibcLayout.flagBits == 1,
              topSize >= GlibcLayout.minSize, topSize == heap.end &- top else { return false }
        // Every mark of the heap met on a chunk boundary (no L2, G1, G2 to report): the
        // marks are cleared at once.
        var markedHere: UInt = 0
        for w in 0..<heap.markWordCount {
            let bits = markBase[w]
            markedHere &+= UInt(((bits | bits >> 1) & 0x5555_5555_5555_5555).nonzeroBitCount)
        }
        guard markedHere == counts.binned &+ counts.cached &+ counts.live else { return false }
        markBase.update(repeating: 0, count: heap.markWordCount)
        tallies[heap.arena].walked &+= walked &+ topSize
        tallies[heap.arena].top &+= topSize
        tallies[heap.arena].free &+= freeBytes
        tallies[heap.arena].cached &+= cachedBytes
        tallies[heap.arena].headers &+= first &- heap.base
        matched.binned &+= Int(bitPattern: counts.binned)
        matched.cached &+= Int(bitPattern: counts.cached)
        matched.live &+= Int(bitPattern: counts.live)
        statistics.chunks &+= Int(bitPattern: chunks) &+ 1
        statistics.topBytes &+= Int(bitPattern: topSize)
        statistics.inUseChunks &+= Int(bitPattern: chunks &- counts.binned &- counts.cached)
        statistics.inUseBytes &+= Int(bitPattern: walked &- binnedBytes &- cachedBytes)
        statistics.binnedChunks &+= Int(bitPattern: counts.binned)
        statistics.binnedBytes &+= Int(bitPattern: binnedBytes)
        statistics.cachedChunks &+= Int(bitPattern: counts.cached)
        statistics.cachedBytes &+= Int(bitPattern: cachedBytes)
        return true
    }
}
