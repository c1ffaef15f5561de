/// The model's own consistency check (swift-collections' `_checkInvariants` habit):
/// tests call it after every operation; the malloc paths never do. The HeapCheck
/// module is the thorough, corruption-proof checker a scenario runs on purpose.
extension ArenaSet {
    /// Problems found in every arena's heaps and bins, as sentences; empty when sound.
    /// It trusts the heap's pointers, so run it on a heap nobody corrupted on purpose.
    public func checkInvariants() -> [String] {
        var problems: [String] = []
        var cached = Set<UInt>()
        threads.withLock { blocks in
            for block in blocks.keys {
                let t = MallocThread(state: UnsafeMutableRawPointer(bitPattern: block)!)
                guard let tc = t.tcache else { continue }
                for i in 0..<Layout.tcacheBinCount {
                    var e = tc.entry(i)
                    var n = 0
                    while let entry = e, n <= g[.tcacheCount] {
                        cached.insert(UInt(bitPattern: entry - Layout.chunkHeaderSize))
                        if Layout.tcacheIndex(chunkSize: Chunk(mem: entry).size) != i { problems.append("tcache bin \(i) holds a chunk of size \(Chunk(mem: entry).size)") }
                        e = TCacheEntry.next(entry)
                        n += 1
                    }
                    if n != tc.count(i) { problems.append("tcache bin \(i) counts \(tc.count(i)) but holds \(n)") }
                }
            }
        }
        forEachArena { a in problems += a.invariantProblems(g, cached: cached) }
        return problems
    }
}

extension Arena {
    func invariantProblems(_ g: Globals, cached: Set<UInt>) -> [String] {
        var problems: [String] = []
        let isMain = self == g.mainArena
        func note(_ s: String) { problems.append("arena \(isMain ? "main" : "\(base)"): \(s)") }

        var binned = Set<UInt>()
        for i in 1..<Layout.binCount {
            let b = bin(i)
            var p = b.fd
            var n = 0
            while p != b && n < 1_000_000 {
                if p.fd.bk != p || p.bk.fd != p { note("bin \(i): broken links at \(p.address)"); break }
                if i > 1 && Layout.binIndex(for: p.size) != i { note("bin \(i) holds size \(p.size)") }
                binned.insert(UInt(bitPattern: p.address))
                p = p.fd
                n += 1
            }
            if i > 1 && n > 0 && binmapWord(Layout.binmapBlock(i)) & Layout.binmapBit(i) == 0 { note("bin \(i) not empty but unmarked") }
        }
        var fast = Set<UInt>()
        for i in 0..<Layout.fastBinCount {
            var p = fastbin(i)
            while let c = p, fast.count < 1_000_000 {
                if Layout.fastBinIndex(c.size) != i { note("fastbin \(i) holds size \(c.size)") }
                fast.insert(UInt(bitPattern: c.address))
                p = c.revealedFd
            }
        }

        // The heaps, each walked chunk by chunk to top or to its fenceposts.
        var spans: [(start: UnsafeMutableRawPointer, end: UnsafeMutableRawPointer)] = []
        var heldBytes = 0
        if isMain {
            if g[.sbrkBase] != 0 {
                spans.append((UnsafeMutableRawPointer(bitPattern: g[.sbrkBase])!, UnsafeMutableRawPointer(bitPattern: g[.brkCurrent])!))
                heldBytes = g[.brkCurrent] - g[.sbrkBase]
            }
        } else {
            var heap: Heap? = Heap.of(top.address)
            while let h = heap {
                var first = h.base + Heap.headerSize
                if h.arena.base == h.base + Heap.headerSize {
                    first = base + Arena.byteCount
                    first += (Layout.alignment - Int(bitPattern: first + Layout.chunkHeaderSize) & Layout.alignMask) & Layout.alignMask
                }
                spans.insert((first, h.end), at: 0)
                heldBytes += h.size
                heap = h.prev
            }
        }
        if heldBytes != systemMem { note("system_mem \(systemMem) but heaps hold \(heldBytes)") }

        var seenFree = Set<UInt>()
        for (start, end) in spans {
            var p = Chunk(start)
            var previousFree = false
            while true {
                let size = p.size
                if p == top {
                    if p.address + size != end { note("top ends at \(p.address + size), heap at \(end)") }
                    if !p.prevInUse { note("top without PREV_INUSE") }
                    if previousFree { note("free chunk before top") }
                    break
                }
                if size == 0 && p.prevInUse { break }  // the last fencepost of a full heap
                if size < Layout.chunkHeaderSize || size & Layout.alignMask != 0 || p.address + size > end {
                    note("bad size \(size) at \(p.address)"); break
                }
                let key = UInt(bitPattern: p.address)
                let isFree = binned.contains(key)
                if p.prevInUse == previousFree { note("PREV_INUSE of \(p.address) disagrees with its predecessor") }
                if isFree {
                    if previousFree { note("two free neighbours at \(p.address)") }
                    if p.next.prevSize != size { note("footer of \(p.address) says \(p.next.prevSize), size \(size)") }
                    seenFree.insert(key)
                } else if (fast.contains(key) || cached.contains(key)) && !p.next.prevInUse {
                    note("cached chunk \(p.address) marked free")
                }
                if !isFree && size >= Layout.minSize && !p.next.prevInUse && !(p.next == top) {
                    note("chunk \(p.address) free by the walk but in no bin")
                }
                if p.nonMainArena == isMain && !isFree && size >= Layout.minSize { note("NON_MAIN_ARENA wrong at \(p.address)") }
                previousFree = isFree
                p = p.next
            }
        }
        if seenFree.count != binned.count { note("\(binned.count - seenFree.count) binned chunks not found in the heap") }
        return problems
    }
}
