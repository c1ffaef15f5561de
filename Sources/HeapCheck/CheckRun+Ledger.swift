import ArenaModel
import CSupport

/// G1-G3: the workload's live blocks against the heap. Blocks are marked before the
/// walk (a block on a listed chunk is G2 at once), matched by the walk, and read only
/// once they are known to be in-use chunks whose usable size covers the request.
extension CheckRun {
    /// Marks every heap block; checks mmapped ones against the registry.
    mutating func markLedger(_ ledgers: [Ledger]) {
        var mmappedSeen: Set<UInt> = []
        // The heap of the last block: most blocks share it.
        var lastFirst: UInt = 1, lastEnd: UInt = 0
        var lastMarks = marks
        var fastMarked = 0
        for ledger in ledgers {
            statistics.ledgerBlocks += ledger.count
            for block in ledger.blocks {
                let chunk = block.address &- 16
                if chunk >= lastFirst && chunk < lastEnd && block.address & 15 == 0 {
                    let granule = (chunk &- lastFirst) >> 4
                    let word = lastMarks + Int(granule >> 5)
                    let shift = (granule & 31) << 1
                    if (word.pointee >> shift) & 3 == 0 {
                        word.pointee |= CheckRun.liveMark << shift
                        fastMarked += 1
                        continue
                    }
                }
                guard block.address & 15 == 0 else {
                    unverifiableBlocks.insert(chunk)
                    note(.g1, chunk: chunk, "live block 0x\(Hex.string(block.address)) (id \(block.id)) is not 16-byte aligned",
                         expected: "a 16-aligned user pointer", actual: "0x\(Hex.string(block.address))")
                    continue
                }
                if let heap = map.heap(containing: chunk, span: 32) {
                    let h = map.heaps[heap]
                    (lastFirst, lastEnd, lastMarks) = (h.firstChunk, h.end &- 32, marks + h.markWords)
                    let old = mark(chunk, heap: heap, code: CheckRun.liveMark)
                    if old != 0 {
                        unverifiableBlocks.insert(chunk)
                        note(.g2, chunk: chunk, "live block 0x\(Hex.string(block.address)) (id \(block.id)) is also in \(CheckRun.markName(old))",
                             expected: "a chunk held by one block and in no list", actual: "in \(CheckRun.markName(old))")
                    }
                } else if mmapped.contains(chunk) {
                    if !mmappedSeen.insert(chunk).inserted {
                        unverifiableBlocks.insert(chunk)
                        note(.g2, chunk: chunk, "mmapped block 0x\(Hex.string(block.address)) (id \(block.id)) is held twice",
                             expected: "one block per chunk", actual: "two ledger entries")
                    }
                } else {
                    unverifiableBlocks.insert(chunk)
                    note(.g1, chunk: chunk, "live block 0x\(Hex.string(block.address)) (id \(block.id)) is in no heap and not an mmapped chunk",
                         expected: "an in-use chunk or a registered mmapped chunk", actual: "0x\(Hex.string(block.address))")
                }
            }
        }
        marked.live += fastMarked
    }

    /// G1 (usable size) and G3 (content) for every block the walk matched.
    mutating func verifyLedger(_ ledgers: [Ledger]) {
        let anyUnverifiable = !unverifiableBlocks.isEmpty
        // The heap of the last block checked through a window: most blocks share it.
        var window: (first: UInt, end: UInt) = (1, 0)
        let masks = ContentPattern.windowMasks
        for ledger in ledgers {
            let whole = ledger.coverage == .whole
            ledger.blocks.withUnsafeBufferPointer { blocks in
                for i in blocks.indices {
                    // A block some places on is asked for, so its memory is on the way (see
                    // the walk); a prefetch is no read.
                    if i &+ 16 < blocks.count { cs_prefetch(UnsafeRawPointer(bitPattern: blocks[i &+ 16].address &- 8)) }
                    let block = blocks[i]
                    let chunk = block.address &- 16
                    if anyUnverifiable && unverifiableBlocks.contains(chunk) { continue }
                    // Every block left is a matched heap chunk or a registered mmapped one.
                    let head = GlibcLayout.peek(chunk &+ 8)
                    let isMapped = head & 2 != 0 && mmapped.contains(chunk)
                    let usable = Int(bitPattern: head & ~GlibcLayout.flagBits) &- (isMapped ? 16 : 8)
                    if isMapped != (head & 2 != 0) || usable < block.requestSize {
                        blockTooLarge(block, head: head, usable: usable, isMapped: isMapped)
                        continue
                    }
                    let mem = UnsafeRawPointer(bitPattern: block.address).unsafelyUnwrapped
                    let intact: Bool
                    if whole && UInt(bitPattern: block.requestSize) <= UInt(ContentPattern.windowSize) && readableWindow(block.address, &window) {
                        intact = ContentPattern.windowIntact(mem, requestSize: block.requestSize, seed: ContentPattern.seed(for: block.id), masks: masks)
                    } else {
                        intact = ContentPattern.isIntact(mem, requestSize: block.requestSize, id: block.id, coverage: ledger.coverage)
                    }
                    if !intact { blockOverwritten(block, coverage: ledger.coverage) }
                }
            }
        }
    }

    /// G1 for a block its chunk cannot hold, or whose IS_MMAPPED is wrong.
    @inline(never)
    private mutating func blockTooLarge(_ block: LedgerBlock, head: UInt, usable: Int, isMapped: Bool) {
        note(.g1, chunk: block.address &- 16, field: block.address &- 8,
             "live block 0x\(Hex.string(block.address)) (id \(block.id)) \(usable < block.requestSize ? "is larger than its chunk" : "has the wrong IS_MMAPPED flag")",
             expected: "usable size at least \(block.requestSize)\(isMapped ? ", IS_MMAPPED" : "")", actual: "size field 0x\(Hex.string(head))")
    }

    /// G3 at the first byte of `block` that lost its pattern.
    @inline(never)
    private mutating func blockOverwritten(_ block: LedgerBlock, coverage: PatternCoverage) {
        let mem = UnsafeRawPointer(bitPattern: block.address).unsafelyUnwrapped
        guard let offset = ContentPattern.firstMismatch(in: mem, requestSize: block.requestSize, id: block.id, coverage: coverage) else { return }
        note(.g3, chunk: block.address &- 16, field: block.address &+ UInt(offset) & ~7,
             "live block 0x\(Hex.string(block.address)) (id \(block.id), \(block.requestSize) bytes) was overwritten at offset \(offset)",
             expected: "byte 0x\(Hex.string(UInt(ContentPattern.byte(at: offset, id: block.id))))",
             actual: "0x\(Hex.string(UInt(mem.load(fromByteOffset: offset, as: UInt8.self))))")
    }

    /// True if the window of `ContentPattern.windowSize` bytes at `address` lies in a heap
    /// (`window`, else the heap found and kept in `window`). Past a small block the window
    /// reads its chunk's neighbours, never pages malloc_trim gave back: those start at
    /// least 48 bytes into a free chunk (glibc's mtrim), past the window.
    @inline(__always)
    private func readableWindow(_ address: UInt, _ window: inout (first: UInt, end: UInt)) -> Bool {
        let span = UInt(ContentPattern.windowSize)
        if address >= window.first && address < window.end && window.end &- address >= span { return true }
        guard let heap = map.heap(containing: address, span: span) else { return false }
        window = (map.heaps[heap].firstChunk, map.heaps[heap].end)
        return true
    }

    /// Marks the walks did not meet: list entries (L2) and live blocks (G1, G2) that lie on
    /// no chunk boundary. Clears every mark left, so the bitmap is clean for the next check.
    mutating func sweepUnmatchedMarks() {
        guard marked != matched else { return }
        for index in map.heaps.indices {
            let heap = map.heaps[index]
            for w in 0..<heap.markWordCount {
                let word = marks + heap.markWords + w
                var bits = word.pointee
                guard bits != 0 else { continue }
                word.pointee = 0
                while bits != 0 {
                    let slot = bits.trailingZeroBitCount / 2
                    let code = (bits >> UInt64(slot * 2)) & 3
                    bits &= ~(3 << UInt64(slot * 2))
                    unmatched(heap.firstChunk &+ UInt(w * 32 + slot) << 4, code: code, heap: index)
                }
            }
        }
    }

    private mutating func unmatched(_ chunk: UInt, code: UInt64, heap: Int) {
        if code == CheckRun.liveMark { unverifiableBlocks.insert(chunk) }
        let stop = walkStops[heap]
        let where_: String
        if let stop, chunk >= stop {
            where_ = "lies beyond 0x\(Hex.string(stop)), where the walk of its heap stopped"
        } else if let container = containingChunk(chunk, heap: heap) {
            where_ = "lies inside chunk 0x\(Hex.string(container.address)) of size 0x\(Hex.string(container.size))"
        } else {
            where_ = "is on no chunk boundary the walk found"
        }
        if code == CheckRun.liveMark {
            let overlaps = stop.map { chunk < $0 } ?? true
            note(overlaps ? .g2 : .g1, chunk: chunk, "live block 0x\(Hex.string(chunk &+ 16)) \(where_)",
                 expected: "an in-use chunk of its own", actual: where_)
        } else {
            note(.l2, chunk: chunk, "an entry of \(CheckRun.markName(code)), 0x\(Hex.string(chunk)), \(where_)",
                 expected: "a chunk boundary found by the walk", actual: where_)
        }
    }
}
