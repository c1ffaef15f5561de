import ArenaModel

// How a recipe shapes the heap it needs, whatever the workload left: as how2heap's
// programs do, it empties the bins and takes fresh chunks from top, rather than hoping
// to find what it needs among the workload's blocks.
extension Corruptor {
    /// Blocks of `sizes` whose chunks follow each other, in that order, all held by the
    /// ledger. The thread's tcache bins for `sizes` are emptied first, and with them every
    /// free chunk of its arena, so that top alone serves them: one after another.
    func adjacentRun(_ sizes: [Int], _ set: ArenaSet, _ thread: MallocThread, _ ledger: inout Ledger) throws -> [UInt] {
        // Top can move to a new heap (a non-main heap full, the break refused) between
        // two of the blocks: the next try starts on the new top.
        for _ in 0..<4 {
            for size in Set(sizes) { try drainTcacheBin(size, set, thread, &ledger) }
            var blocks: [UInt] = []
            for size in sizes { blocks.append(try hold(size, thread, &ledger)) }
            if zip(blocks, blocks.dropFirst()).allSatisfy({ $0 - 16 + Self.chunkSize($0 - 16) == $1 - 16 }) { return blocks }
        }
        throw InjectionSetUpFailure(description: "no adjacent blocks of \(sizes) bytes from top in 4 tries")
    }

    /// Takes every chunk in the fastbins and bins of the thread's arena, each by a
    /// request of its own size (kept by the ledger), until they are all empty; a chunk
    /// split on the way, or merged by malloc_consolidate, is taken in the next round.
    func drainArena(_ set: ArenaSet, _ thread: MallocThread, _ ledger: inout Ledger) throws {
        // Above the tcache and the fastbins: a chunk of the thread's own arena.
        let probe = try hold(Layout.maxTcacheSize + 0x100, thread, &ledger)
        let arena = Self.arena(of: probe - 16, set)
        for _ in 0..<64 {
            let sizes = Self.freeChunkSizes(arena)
            if sizes.isEmpty { return }
            for size in sizes { _ = try hold(size - Layout.sizeSize, thread, &ledger) }
        }
        throw InjectionSetUpFailure(description: "the bins of arena 0x\(Hex.string(arena)) did not empty in 64 rounds")
    }

    /// The size of every chunk in the fastbins and bins (unsorted, small, large) of the
    /// arena whose malloc_state is at `arena`. The heap is sound here: the lists are
    /// followed as glibc does, bounded all the same.
    static func freeChunkSizes(_ arena: UInt) -> [Int] {
        var sizes: [Int] = []
        for bin in 0..<Layout.fastBinCount {
            var p = GlibcLayout.peek(arena + GlibcLayout.fastbins + UInt(8 * bin))
            while p != 0 && sizes.count < 1 << 24 {
                sizes.append(Int(chunkSize(p)))
                // Safe-linking: the stored fd is (&fd >> 12) ^ next.
                p = GlibcLayout.peek(p + GlibcLayout.fd) ^ ((p + GlibcLayout.fd) >> 12)
            }
        }
        for bin in 1..<Layout.binCount {
            let header = GlibcLayout.binHeader(arena, bin)
            var p = GlibcLayout.peek(header + GlibcLayout.fd)
            while p != header && sizes.count < 1 << 24 {
                sizes.append(Int(chunkSize(p)))
                p = GlibcLayout.peek(p + GlibcLayout.fd)
            }
        }
        return sizes
    }
}
