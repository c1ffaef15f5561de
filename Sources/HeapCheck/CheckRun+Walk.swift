import ArenaModel
import CSupport

/// The heap walk: every chunk from a heap's first to its top (or its fenceposts),
/// W1-W8 on each, the list marks matched against the chunks found (L5, L7), the bytes
/// G4 adds up tallied for the heap's arena. Sizes are
/// validated before they are used, so the walk stays inside the heap and every step
/// moves forward: it ends after at most (heap size / 16) steps.
extension CheckRun {
    mutating func walkHeap(_ index: Int) {
        let heap = map.heaps[index]
        let arena = map.arenas[heap.arena]
        let top = arena.top
        let end = heap.end
        let first = heap.firstChunk
        let markBase = marks + heap.markWords
        let arenaBit: UInt = arena.isMain ? 0 : 4
        var p = first
        var previous: UInt = 0
        var previousSize: UInt = 0
        var previousMark: UInt64 = 0
        // Chunks and bytes by mark: 0 in use, 1 binned, 2 cached, 3 live.
        var counts: (Int, Int, Int, Int) = (0, 0, 0, 0)
        var bytes: (UInt, UInt, UInt, UInt) = (0, 0, 0, 0)
        // Bytes of the chunks whose successor's PREV_INUSE says they are free (G4).
        var freeBytes: UInt = 0
        let recording = spans != nil
        // Each step's address comes from the size just loaded, so the walk would wait
        // on memory chunk after chunk: prefetches running `readAhead` bytes in front of
        // it bring the heap in. Prefetches, not loads: a load would map again the pages
        // malloc_trim gave back, and the heap's resident size would lie.
        var ahead = first
        while true {
            guard end &- p >= 16, p >= first else {
                walkOverran(p, previous: previous, heap: index)
                break
            }
            let horizon = min(p &+ CheckRun.readAhead, end &- 8)
            while ahead < horizon {
                cs_prefetch(UnsafeRawPointer(bitPattern: ahead))
                ahead &+= 128
            }
            let head = GlibcLayout.peek(p &+ 8)
            let size = head & ~GlibcLayout.flagBits
            freeBytes &+= previousSize & ((head & 1) &- 1)
            let granule = (p &- first) >> 4
            let word = markBase + Int(granule >> 5)
            let shift = (granule & 31) << 1
            let code = (word.pointee >> shift) & 3
            if code != 0 { word.pointee &= ~(3 << shift) }
            if p == top {
                checkTop(p, head: head, mark: code, previousMark: previousMark, end: end)
                if code != 0 { tally(code) }
                statistics.chunks &+= 1
                statistics.topBytes &+= Int(bitPattern: size)
                tallies[heap.arena].top &+= size
                tallies[heap.arena].walked &+= size
                if recording { spans!.append(ChunkSpan(address: p, size: Int(bitPattern: size), flags: Int(head & 7), state: .top, arena: heap.arena, heap: index)) }
                break
            }
            if size < GlibcLayout.minSize || size & 15 != 0 || size > end &- p &- 16 {
                walkEnded(p, head: head, mark: code, previous: previous, previousSize: previousSize, previousMark: previousMark, heap: index)
                break
            }
            let next = p &+ size
            let binned = code == CheckRun.binnedMark
            let flags = (binned ? 0 : arenaBit) | (previousMark == CheckRun.binnedMark ? 0 : 1)
            if head & GlibcLayout.flagBits != flags || (binned && (previousMark == CheckRun.binnedMark || next == top || GlibcLayout.peek(next) != size)) {
                chunkAnomaly(p, head: head, mark: code, top: top, previous: previous, previousSize: previousSize, previousMark: previousMark, heap: index)
            }
            switch code {
            case 0: counts.0 &+= 1; bytes.0 &+= size
            case 1: counts.1 &+= 1; bytes.1 &+= size
            case 2: counts.2 &+= 1; bytes.2 &+= size
            default: counts.3 &+= 1; bytes.3 &+= size
            }
            if recording {
                spans!.append(ChunkSpan(address: p, size: Int(size), flags: Int(head & 7),
                                        state: binned ? .unsorted : code == CheckRun.cachedMark ? .tcache : .inUse,
                                        arena: heap.arena, heap: index))
            }
            previousMark = code
            previous = p
            previousSize = size
            p = next
        }
        tallies[heap.arena].walked &+= bytes.0 &+ bytes.1 &+ bytes.2 &+ bytes.3
        tallies[heap.arena].free &+= freeBytes
        tallies[heap.arena].cached &+= bytes.2
        tallies[heap.arena].headers &+= first &- heap.base
        if walkStops[index] != nil { tallies[heap.arena].walkedWhole = false }
        matched.binned &+= counts.1
        matched.cached &+= counts.2
        matched.live &+= counts.3
        statistics.chunks &+= counts.0 &+ counts.1 &+ counts.2 &+ counts.3
        statistics.inUseChunks &+= counts.0 &+ counts.3
        statistics.inUseBytes &+= Int(bitPattern: bytes.0 &+ bytes.3)
        statistics.binnedChunks &+= counts.1
        statistics.binnedBytes &+= Int(bitPattern: bytes.1)
        statistics.cachedChunks &+= counts.2
        statistics.cachedBytes &+= Int(bitPattern: bytes.2)
    }

    /// Counts a mark the walk met outside the main loop (on top).
    private mutating func tally(_ code: UInt64) {
        switch code {
        case CheckRun.binnedMark: matched.binned += 1
        case CheckRun.cachedMark: matched.cached += 1
        default: matched.live += 1
        }
    }

    @inline(never)
    private mutating func walkOverran(_ p: UInt, previous: UInt, heap index: Int) {
        let heap = map.heaps[index]
        let top = map.arenas[heap.arena].top
        note(.w1, chunk: previous, "the walk reached the heap's end without meeting \(heap.isCurrent ? "top" : "the fenceposts")",
             expected: heap.isCurrent ? "top 0x\(Hex.string(top)) ending at 0x\(Hex.string(heap.end))" : "fenceposts at 0x\(Hex.string(heap.end &- 32))",
             actual: "the last chunk ends at 0x\(Hex.string(p))")
        walkStops[index] = p
    }

    /// A size the walk cannot step over: the fenceposts of a heap that is not current,
    /// or W2 (W8).
    @inline(never)
    private mutating func walkEnded(_ p: UInt, head: UInt, mark: UInt64, previous: UInt, previousSize: UInt, previousMark: UInt64, heap index: Int) {
        let heap = map.heaps[index]
        let end = heap.end
        if mark != 0 { tally(mark) }
        if head & 1 != (previousMark == CheckRun.binnedMark ? 0 : 1) {
            prevInUseMismatch(p, head: head, previous: previous, previousSize: previousSize, previousMark: previousMark)
        }
        if !heap.isCurrent && endsInFenceposts(p, head: head, end: end, previous: previous, previousSize: previousSize, heap: index) {
            statistics.chunks &+= 1
            tallies[heap.arena].fenceposts &+= end &- p
            return
        }
        note(heap.isCurrent ? .w2 : .w8, chunk: p, field: p &+ 8,
             heap.isCurrent ? "chunk size is not a multiple of 16 of at least MINSIZE inside the heap"
                            : "the heap is not the arena's current one and does not end with glibc's fenceposts",
             expected: heap.isCurrent ? "a size from 0x20 to 0x\(Hex.string(end &- p &- 16)), a multiple of 0x10"
                                      : "0x10|PREV_INUSE at 0x\(Hex.string(end &- 32)), 0x1 at 0x\(Hex.string(end &- 16))",
             actual: "size field 0x\(Hex.string(head))")
        walkStops[index] = p
    }

    /// W2, W3 (L5, L7), W4, W5 and W7 for a chunk whose flags or footer are not what the
    /// walk expects.
    @inline(never)
    private mutating func chunkAnomaly(_ p: UInt, head: UInt, mark code: UInt64, top: UInt, previous: UInt, previousSize: UInt,
                                       previousMark: UInt64, heap index: Int) {
        let heap = map.heaps[index]
        let size = head & ~GlibcLayout.flagBits
        let next = p &+ size
        if head & 1 != (previousMark == CheckRun.binnedMark ? 0 : 1) {
            prevInUseMismatch(p, head: head, previous: previous, previousSize: previousSize, previousMark: previousMark)
        }
        if head & 2 != 0 {
            note(.w2, chunk: p, field: p &+ 8, "IS_MMAPPED is set on a chunk inside a heap", expected: "flag 0x2 clear", actual: "size field 0x\(Hex.string(head))")
        }
        if head & 4 != (code == CheckRun.binnedMark || map.arenas[heap.arena].isMain ? 0 : 4) {
            arenaFlagMismatch(p, head: head, mark: code, heap: heap)
        }
        guard code == CheckRun.binnedMark else { return }
        if previousMark == CheckRun.binnedMark {
            note(.w5, chunk: p, "two free chunks are neighbours: 0x\(Hex.string(previous)) and 0x\(Hex.string(p))",
                 expected: "coalesced into one", actual: "sizes 0x\(Hex.string(previousSize)) and 0x\(Hex.string(size))")
        }
        if next == top {
            note(.w5, chunk: p, "a free chunk lies just before top", expected: "merged into top", actual: "free chunk of size 0x\(Hex.string(size))")
        }
        let footer = GlibcLayout.peek(next)
        if footer != size {
            note(.w4, chunk: p, field: next, "the footer of free chunk 0x\(Hex.string(p)) disagrees with its size",
                 expected: "prev_size 0x\(Hex.string(size)) at 0x\(Hex.string(next))", actual: "0x\(Hex.string(footer))")
        }
    }

    /// W1, W2, W5, W6, W7 and L5 for the top chunk.
    private mutating func checkTop(_ p: UInt, head: UInt, mark: UInt64, previousMark: UInt64, end: UInt) {
        let size = head & ~GlibcLayout.flagBits
        if mark != 0 {
            note(.l5, chunk: p, "top is listed in \(CheckRun.markName(mark))", expected: "top in no list", actual: "listed")
        }
        if previousMark == CheckRun.binnedMark {
            note(.w5, chunk: p, "the chunk before top is free", expected: "merged into top", actual: "a free neighbour")
        } else if head & 1 == 0 {
            note(.w6, chunk: p, field: p &+ 8, "top's PREV_INUSE is clear", expected: "PREV_INUSE set", actual: "size field 0x\(Hex.string(head))")
        }
        if size < GlibcLayout.minSize {
            note(.w6, chunk: p, field: p &+ 8, "top is smaller than MINSIZE", expected: "at least 0x20", actual: "0x\(Hex.string(size))")
        }
        if head & 6 != 0 {
            note(head & 2 != 0 ? .w2 : .w7, chunk: p, field: p &+ 8, "top carries \(head & 2 != 0 ? "IS_MMAPPED" : "NON_MAIN_ARENA")",
                 expected: "flags 0x1", actual: "size field 0x\(Hex.string(head))")
        }
        if size != end &- p {
            note(.w1, chunk: p, field: p &+ 8, "top does not end where the heap ends",
                 expected: "size 0x\(Hex.string(end &- p)) (end 0x\(Hex.string(end)))", actual: "size 0x\(Hex.string(size)) (end 0x\(Hex.string(p &+ size)))")
        }
    }

    /// True if a non-current heap ends here as sysmalloc leaves it when the heap cannot
    /// grow and a new one starts: a 0x10 fencepost then a 0x0|PREV_INUSE one, or (when the
    /// old top had 0x30 bytes) the last fencepost right after a 0x20 remnant of the old
    /// top. W8 too if the last fencepost's prev_size, which heap_trim follows back when
    /// it deletes the next heap, does not name the chunk before it.
    private mutating func endsInFenceposts(_ p: UInt, head: UInt, end: UInt, previous: UInt, previousSize: UInt, heap: Int) -> Bool {
        let pair = head & ~1 == 16 && p &+ 32 == end && GlibcLayout.peek(p &+ 24) == 1
        let afterRemnant = head == 1 && p &+ 16 == end && previous &+ previousSize == p && previousSize == 32
        guard pair || afterRemnant else { return false }
        let last = end &- 16, footer = GlibcLayout.peek(last), expected: UInt = pair ? 16 : 32
        if footer != expected {
            note(.w8, chunk: last, field: last, "the last fencepost's prev_size does not name the chunk before it",
                 expected: "prev_size 0x\(Hex.string(expected))", actual: "0x\(Hex.string(footer))")
        }
        if spans != nil {
            let arena = map.heaps[heap].arena
            if pair { spans!.append(ChunkSpan(address: p, size: 16, flags: Int(head & 7), state: .fencepost, arena: arena, heap: heap)) }
            spans!.append(ChunkSpan(address: last, size: 16, flags: 1, state: .fencepost, arena: arena, heap: heap))
        }
        if pair { statistics.chunks += 1 }
        return true
    }

    /// L5, L7 or W3 for a PREV_INUSE bit that disagrees with the chunk before it.
    @inline(never)
    private mutating func prevInUseMismatch(_ p: UInt, head: UInt, previous: UInt, previousSize: UInt, previousMark: UInt64) {
        let bit = "PREV_INUSE \(head & 1)"
        if previous == 0 {
            note(.w3, chunk: p, field: p &+ 8, "the heap's first chunk has PREV_INUSE clear", expected: "PREV_INUSE 1", actual: bit)
        } else if previousMark == CheckRun.binnedMark {
            note(.l5, chunk: previous, field: p &+ 8, "0x\(Hex.string(previous)) is in a regular bin, but the next chunk's PREV_INUSE says it is in use",
                 expected: "PREV_INUSE 0 at 0x\(Hex.string(p))", actual: bit)
        } else if previousMark == CheckRun.cachedMark {
            note(.l5, chunk: previous, field: p &+ 8, "0x\(Hex.string(previous)) is in a fastbin or tcache list, but the next chunk's PREV_INUSE says it is free",
                 expected: "PREV_INUSE 1 at 0x\(Hex.string(p))", actual: bit)
        } else if GlibcLayout.peek(p) == previousSize {
            note(.l7, chunk: previous, field: p &+ 8, "0x\(Hex.string(previous)) is free per the walk (the next PREV_INUSE is clear, the footer agrees) but in no bin",
                 expected: "in a regular bin, or PREV_INUSE 1 at 0x\(Hex.string(p))", actual: "in no bin")
        } else {
            note(.w3, chunk: p, field: p &+ 8, "PREV_INUSE is clear but 0x\(Hex.string(previous)) before it is in no bin, and prev_size disagrees with its size",
                 expected: "PREV_INUSE 1", actual: "\(bit), prev_size 0x\(Hex.string(GlibcLayout.peek(p))) vs size 0x\(Hex.string(previousSize))")
        }
    }

    /// W7, except on the 0x20 remnant of an old top that sysmalloc left without the flag.
    @inline(never)
    private mutating func arenaFlagMismatch(_ p: UInt, head: UInt, mark: UInt64, heap: HeapExtent) {
        if !heap.isCurrent && p &+ 48 == heap.end && head == 0x21 { return }
        let isMain = map.arenas[heap.arena].isMain
        note(.w7, chunk: p, field: p &+ 8,
             mark == CheckRun.binnedMark ? "a free chunk carries NON_MAIN_ARENA"
                 : isMain ? "a chunk of the main arena carries NON_MAIN_ARENA" : "an in-use chunk of a non-main arena lacks NON_MAIN_ARENA",
             expected: "flag 0x4 \(mark != CheckRun.binnedMark && !isMain ? "set" : "clear")", actual: "size field 0x\(Hex.string(head))")
    }
}
