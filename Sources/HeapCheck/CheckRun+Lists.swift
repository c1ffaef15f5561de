import ArenaModel
import CSupport

/// The list walks: every thread's tcache, every arena's fastbins and regular bins.
/// No pointer is followed before it is known to lie in a heap of the model (of the
/// right arena), and every entry is marked once, so a cycle ends the walk at the
/// node it comes back to.
extension CheckRun {
    /// L2, L3, L6, L9, L10 over each thread's tcache_perthread_struct.
    mutating func checkTcaches(_ caches: [UInt]) {
        for (thread, tcache) in caches.enumerated() {
            guard tcache & 15 == 0, map.heap(containing: tcache &- 16, span: 16 + GlibcLayout.tcacheStructSize) != nil else {
                note(.l2, chunk: tcache &- 16, "thread \(thread)'s tcache_perthread_struct lies in no heap",
                     expected: "a 0x290 chunk in a heap", actual: "0x\(Hex.string(tcache))")
                continue
            }
            for bin in 0..<Layout.tcacheBinCount { checkTcacheBin(bin, of: tcache, thread: thread, earlier: caches[..<thread]) }
        }
    }

    private mutating func checkTcacheBin(_ bin: Int, of tcache: UInt, thread: Int, earlier: ArraySlice<UInt>) {
        let count = Int(UnsafeRawPointer(bitPattern: tcache &+ UInt(bin) &* 2).unsafelyUnwrapped.load(as: UInt16.self))
        let slot = tcache &+ GlibcLayout.tcacheEntries &+ UInt(bin) &* 8
        var entry = GlibcLayout.peek(slot)
        let name = "tcache bin \(bin) (0x\(Hex.string(UInt(0x20 + 16 * bin)))) of thread \(thread)"
        if bin >= parameters.tcacheBins {
            if count != 0 || entry != 0 {
                note(.l9, chunk: tcache &- 16, field: slot, "\(name) lies beyond tcache_max but is not empty",
                     expected: "count 0, no entry", actual: "count \(count), entry 0x\(Hex.string(entry))")
            }
            return
        }
        let classSize = UInt(Layout.minSize + Layout.alignment * bin)
        var length = 0
        var field = slot
        var whole = true
        var entries: [UInt] = []
        while entry != 0 {
            let chunk = entry &- 16
            guard entry & 15 == 0, let heap = map.heap(containing: chunk, span: 32) else {
                note(length == 0 ? .l2 : .l10, chunk: length == 0 ? tcache &- 16 : field &- 16, field: field,
                     "\(name): entry \(length) points \(entry & 15 != 0 ? "to a misaligned address" : "outside every heap")",
                     expected: "a 16-aligned chunk in a heap", actual: "0x\(Hex.string(entry))")
                whole = false
                break
            }
            // Counted before the mark, so that a chunk listed twice is counted twice (G4).
            let size = GlibcLayout.peek(chunk &+ 8) & ~GlibcLayout.flagBits
            tallies[map.heaps[heap].arena].tcache &+= size
            tcacheListBytes &+= classSize
            let old = mark(chunk, heap: heap, code: CheckRun.cachedMark)
            guard old == 0 else {
                let holder = tcacheHolding(chunk, bin: bin, among: earlier) ?? CheckRun.markName(old)
                note(.l6, chunk: chunk, "\(name): chunk 0x\(Hex.string(chunk)) is already in \(holder)",
                     expected: "each chunk in one list once", actual: "listed again at position \(length)")
                whole = false
                break
            }
            if chains != nil { entries.append(chunk) }
            if size != classSize {
                note(.l3, chunk: chunk, "\(name) holds a chunk of another size", expected: "size 0x\(Hex.string(classSize))", actual: "size 0x\(Hex.string(size))")
            }
            let key = GlibcLayout.peek(entry &+ 8), tcacheKey = parameters.tcacheKey
            if key != tcacheKey {
                note(.l9, chunk: chunk, field: entry &+ 8, "\(name): entry 0x\(Hex.string(chunk)) does not carry the tcache key",
                     expected: "key 0x\(Hex.string(tcacheKey))", actual: "0x\(Hex.string(key))")
            }
            length += 1
            field = entry
            entry = (entry >> 12) ^ GlibcLayout.peek(entry)
        }
        tcacheCountBytes &+= UInt(count) &* classSize
        if whole && length != count {
            note(.l9, chunk: tcache &- 16, field: tcache &+ UInt(bin) &* 2, "\(name): the count disagrees with the list",
                 expected: "count \(length)", actual: "count \(count)")
        }
        let limit = parameters.tcacheCount
        if count > limit {
            note(.l9, chunk: tcache &- 16, field: tcache &+ UInt(bin) &* 2, "\(name) counts more than tcache_count",
                 expected: "at most \(limit)", actual: "\(count)")
        }
        if chains != nil && (count != 0 || !entries.isEmpty) {
            chains!.append(BinChain(kind: .tcache, owner: thread, index: bin, chunkSize: Int(classSize), count: count,
                                    entries: entries, isComplete: whole))
        }
    }

    /// Where one fastbin's walk stands.
    private struct FastbinWalk {
        let bin: Int
        let classSize: UInt
        var chunk: UInt
        var field: UInt
        var length = 0
        var whole = true
        var entries: [UInt] = []
        /// The heap of the last entry (of this arena): the next one is looked for there first.
        var heap = 0, heapFirst: UInt = 1, heapEnd: UInt = 0
    }

    /// L2, L3, L6, L10 over arena `arena`'s fastbins. The bins are walked side by side,
    /// one step each in turn, so that their memory loads overlap instead of each waiting
    /// on the one before.
    mutating func checkFastbins(of arena: Int) {
        let base = map.arenas[arena].address
        var walks: [FastbinWalk] = []
        for bin in 0..<Layout.fastBinCount {
            let slot = base &+ GlibcLayout.fastbins &+ UInt(bin) &* 8
            let chunk = GlibcLayout.peek(slot)
            let classSize = UInt(Layout.minSize + Layout.alignment * bin)
            if chunk != 0 && classSize > UInt(parameters.maxFastChunkSize) {
                note(.l3, chunk: chunk, arena: arena, "fastbin \(bin) (0x\(Hex.string(classSize))) of arena \(arena) lies above global_max_fast but is not empty",
                     expected: "empty", actual: "first chunk 0x\(Hex.string(chunk))")
            }
            if chunk != 0 { walks.append(FastbinWalk(bin: bin, classSize: classSize, chunk: chunk, field: slot)) }
        }
        var active = walks.count
        while active > 0 {
            active = 0
            for i in walks.indices where walks[i].chunk != 0 {
                if step(&walks[i], arena: arena) { active += 1 } else { walks[i].chunk = 0 }
            }
        }
        guard chains != nil else { return }
        for walk in walks {
            chains!.append(BinChain(kind: .fast, owner: arena, index: walk.bin, chunkSize: Int(walk.classSize), count: nil,
                                    entries: walk.entries, isComplete: walk.whole))
        }
    }

    /// Marks `chunk` as listed; false (and L6) if a list already holds it, which also
    /// ends a cycle. The list's name is built only then.
    @inline(__always)
    private mutating func markOnce(_ chunk: UInt, heap: Int, code: UInt64, list: @autoclosure () -> String,
                                   position: Int) -> Bool {
        let old = mark(chunk, heap: heap, code: code)
        guard old != 0 else { return true }
        note(.l6, chunk: chunk, "\(list()): chunk 0x\(Hex.string(chunk)) is already in \(CheckRun.markName(old))",
             expected: "each chunk in one list once", actual: "listed again at position \(position)")
        return false
    }

    /// Which of the `earlier` threads' tcaches holds `chunk` in bin `bin`: a chunk
    /// reachable from two threads' tcaches, as a double free by two threads leaves it.
    /// Reads only a tcache struct in a heap, follows a list only through 16-aligned
    /// entries in a heap, at most tcache_count + 1 steps past the bin's count.
    func tcacheHolding(_ chunk: UInt, bin: Int, among earlier: ArraySlice<UInt>) -> String? {
        for (thread, tcache) in zip(earlier.indices, earlier)
        where tcache & 15 == 0 && map.heap(containing: tcache &- 16, span: 16 + GlibcLayout.tcacheStructSize) != nil {
            let count = Int(UnsafeRawPointer(bitPattern: tcache &+ UInt(bin) &* 2).unsafelyUnwrapped.load(as: UInt16.self))
            var entry = GlibcLayout.peek(tcache &+ GlibcLayout.tcacheEntries &+ UInt(bin) &* 8)
            var steps = 0
            while entry != 0 && entry & 15 == 0 && steps <= count + parameters.tcacheCount && map.heap(containing: entry &- 16, span: 32) != nil {
                if entry &- 16 == chunk { return "tcache bin \(bin) of thread \(thread): reachable from two threads' tcaches" }
                entry = (entry >> 12) ^ GlibcLayout.peek(entry)
                steps += 1
            }
        }
        return nil
    }

    /// One entry of a fastbin walk; false when the walk is over.
    @inline(__always)
    private mutating func step(_ walk: inout FastbinWalk, arena: Int) -> Bool {
        let chunk = walk.chunk
        let heap: Int
        if chunk & 15 == 0 && chunk >= walk.heapFirst && chunk < walk.heapEnd && walk.heapEnd &- chunk >= 32 {
            heap = walk.heap
        } else {
            guard chunk & 15 == 0, let found = map.heap(containing: chunk, span: 32), map.heaps[found].arena == arena else {
                fastbinEscaped(walk, arena: arena)
                walk.whole = false
                return false
            }
            heap = found
            (walk.heap, walk.heapFirst, walk.heapEnd) = (found, map.heaps[found].firstChunk, map.heaps[found].end)
        }
        let size = GlibcLayout.peek(chunk &+ 8) & ~GlibcLayout.flagBits
        tallies[arena].fast &+= size
        guard markOnce(chunk, heap: heap, code: CheckRun.cachedMark, list: "fastbin \(walk.bin) of arena \(arena)",
                       position: walk.length) else {
            walk.whole = false
            return false
        }
        if chains != nil { walk.entries.append(chunk) }
        if size != walk.classSize {
            note(.l3, chunk: chunk, "fastbin \(walk.bin) of arena \(arena) holds a chunk of another size",
                 expected: "size 0x\(Hex.string(walk.classSize))", actual: "size 0x\(Hex.string(size))")
        }
        walk.length += 1
        walk.field = chunk &+ GlibcLayout.fd
        walk.chunk = (walk.field >> 12) ^ GlibcLayout.peek(walk.field)
        // The next entry's line is asked for now, while the other bins take their step:
        // their misses overlap. A prefetch is no read (it cannot fault); the entry is
        // validated before it is loaded.
        cs_prefetch(UnsafeRawPointer(bitPattern: walk.chunk &+ 8))
        cs_prefetch(UnsafeRawPointer(bitPattern: walk.chunk &+ GlibcLayout.fd))
        return walk.chunk != 0
    }

    @inline(never)
    private mutating func fastbinEscaped(_ walk: FastbinWalk, arena: Int) {
        let chunk = walk.chunk
        note(walk.length == 0 ? .l2 : .l10, chunk: walk.length == 0 ? 0 : walk.field &- 16, field: walk.field, arena: arena,
             "fastbin \(walk.bin) (0x\(Hex.string(walk.classSize))) of arena \(arena): entry \(walk.length) points \(chunk & 15 != 0 ? "to a misaligned address" : "outside this arena's heaps")",
             expected: "a 16-aligned chunk in a heap of arena \(arena)", actual: "0x\(Hex.string(chunk))")
    }

    /// L1, L3, L4, L6, L8 over arena `arena`'s unsorted, small and large bins.
    mutating func checkBins(of arena: Int) {
        let base = map.arenas[arena].address
        for bin in 1..<Layout.binCount {
            let header = GlibcLayout.binHeader(base, bin)
            var previous = header
            var previousSize = UInt.max
            var chunk = GlibcLayout.peek(header &+ GlibcLayout.fd)
            var length = 0
            var whole = true
            var entries: [UInt] = []
            sizeRunHeads.removeAll(keepingCapacity: true)
            let name = bin == 1 ? "the unsorted bin of arena \(arena)" : "\(bin < Layout.smallBinCount ? "small" : "large") bin \(bin) of arena \(arena)"
            while chunk != header {
                guard chunk & 15 == 0, let heap = map.heap(containing: chunk, span: UInt(GlibcLayout.linkedChunkSpan)),
                      map.heaps[heap].arena == arena else {
                    note(.l1, chunk: previous == header ? 0 : previous, field: previous &+ GlibcLayout.fd, arena: arena,
                         "\(name): the fd of \(previous == header ? "the bin's head" : "0x\(Hex.string(previous))") points outside this arena's heaps",
                         expected: "a chunk of arena \(arena) or the bin's head", actual: "0x\(Hex.string(chunk))")
                    whole = false
                    break
                }
                let back = GlibcLayout.peek(chunk &+ GlibcLayout.bk)
                if back != previous {
                    note(.l1, chunk: chunk, field: chunk &+ GlibcLayout.bk, "\(name): bk of 0x\(Hex.string(chunk)) does not lead back",
                         expected: "bk 0x\(Hex.string(previous))", actual: "0x\(Hex.string(back))")
                }
                let size = GlibcLayout.peek(chunk &+ 8) & ~GlibcLayout.flagBits
                tallies[arena].binned &+= size
                guard markOnce(chunk, heap: heap, code: CheckRun.binnedMark, list: name, position: length) else {
                    whole = false
                    break
                }
                if chains != nil { entries.append(chunk) }
                checkBinnedSize(size, chunk: chunk, bin: bin, previous: previous == header ? nil : previousSize, name: name)
                previousSize = size
                previous = chunk
                length += 1
                chunk = GlibcLayout.peek(chunk &+ GlibcLayout.fd)
            }
            if whole {
                let back = GlibcLayout.peek(header &+ GlibcLayout.bk)
                if back != previous {
                    note(.l1, chunk: 0, field: header &+ GlibcLayout.bk, arena: arena, "\(name): the head's bk is not the last chunk",
                         expected: "0x\(Hex.string(previous))", actual: "0x\(Hex.string(back))")
                }
                if bin >= Layout.smallBinCount { checkSizeRing(name) }
            }
            if bin >= 2 && length > 0 {
                let word = UnsafeRawPointer(bitPattern: base &+ GlibcLayout.binmap &+ UInt(bin >> 5) &* 4).unsafelyUnwrapped.load(as: UInt32.self)
                if word & (1 << UInt32(bin & 31)) == 0 {
                    note(.l8, chunk: 0, field: base &+ GlibcLayout.binmap &+ UInt(bin >> 5) &* 4, arena: arena,
                         "\(name) holds \(length) chunks but its binmap bit is clear", expected: "bit \(bin) set", actual: "binmap word 0x\(Hex.string(UInt(word)))")
                }
            }
            if chains != nil && (!entries.isEmpty || !whole) {
                chains!.append(BinChain(kind: bin == 1 ? .unsorted : bin < Layout.smallBinCount ? .small : .large, owner: arena, index: bin,
                                        chunkSize: bin > 1 && bin < Layout.smallBinCount ? bin * Layout.alignment : nil, count: nil,
                                        entries: entries, isComplete: whole))
            }
        }
    }

    /// L3 for a chunk of bin `bin`, and the order and nextsize rules of L4.
    private mutating func checkBinnedSize(_ size: UInt, chunk: UInt, bin: Int, previous: UInt?, name: String) {
        let large = size >= UInt(Layout.minLargeSize)
        if bin >= 2 {
            let belongs = large ? Layout.largeBinIndex(for: Int(bitPattern: size)) : Int(size >> 4)
            if belongs != bin {
                note(.l3, chunk: chunk, "\(name) holds a chunk of another bin's size", expected: "a size of bin \(bin)",
                     actual: "size 0x\(Hex.string(size)) (bin \(belongs))")
            }
        }
        guard large else { return }
        let firstOfSize = bin >= Layout.smallBinCount && previous != size
        if bin >= Layout.smallBinCount, let previous, size > previous {
            note(.l4, chunk: chunk, "\(name) is not sorted largest first", expected: "at most 0x\(Hex.string(previous))", actual: "size 0x\(Hex.string(size))")
        }
        if firstOfSize {
            sizeRunHeads.append(chunk)
        } else if GlibcLayout.peek(chunk &+ GlibcLayout.fdNextSize) != 0 || GlibcLayout.peek(chunk &+ GlibcLayout.bkNextSize) != 0 {
            note(.l4, chunk: chunk, field: chunk &+ GlibcLayout.fdNextSize, "\(name): 0x\(Hex.string(chunk)) is off the skip list but has nextsize links",
                 expected: "fd_nextsize and bk_nextsize null",
                 actual: "0x\(Hex.string(GlibcLayout.peek(chunk &+ GlibcLayout.fdNextSize))), 0x\(Hex.string(GlibcLayout.peek(chunk &+ GlibcLayout.bkNextSize)))")
        }
    }

    /// L4: the nextsize ring through the first chunk of each size, both ways.
    private mutating func checkSizeRing(_ name: String) {
        let heads = sizeRunHeads
        for (k, chunk) in heads.enumerated() {
            let forward = heads[(k + 1) % heads.count], backward = heads[(k + heads.count - 1) % heads.count]
            let fd = GlibcLayout.peek(chunk &+ GlibcLayout.fdNextSize), bk = GlibcLayout.peek(chunk &+ GlibcLayout.bkNextSize)
            if fd != forward {
                note(.l4, chunk: chunk, field: chunk &+ GlibcLayout.fdNextSize, "\(name): fd_nextsize of 0x\(Hex.string(chunk)) breaks the size ring",
                     expected: "0x\(Hex.string(forward))", actual: "0x\(Hex.string(fd))")
            }
            if bk != backward {
                note(.l4, chunk: chunk, field: chunk &+ GlibcLayout.bkNextSize, "\(name): bk_nextsize of 0x\(Hex.string(chunk)) breaks the size ring",
                     expected: "0x\(Hex.string(backward))", actual: "0x\(Hex.string(bk))")
            }
        }
    }
}
