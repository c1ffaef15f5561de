import ArenaModel

/// The recipe of each corpus kind: its set-up, its writes, its follow-up call.
extension Corruptor {
    func run(_ kind: CorruptionKind, _ set: ArenaSet, _ t: MallocThread, _ ledger: inout Ledger) throws -> (String, FollowUp?) {
        switch kind {
        case .doubleFreeTcache:
            try requireTcache(set)
            let size = 16 + random.below(1000)
            try drainTcacheBin(size, set, t, &ledger)
            // Of exactly its size, so that it frees into the bin just emptied.
            let a = try blocksOfExactlyTheirSize(size, count: 1, set, t, &ledger)[0]
            t.free(a)
            t.free(a)
            return ("free(\(a)) twice, \(size) bytes", nil)

        case .fastbinDup, .fastbinDupIntoForeign:
            try requireFastbins(set)
            let size = 1 + random.below(set.parameters.maxFastChunkSize - Layout.sizeSize)
            // Not from the tcache, which may hold chunks of other arenas: a and b from
            // the thread's arena, so into one fastbin.
            try drainTcacheBin(size, set, t, &ledger)
            let pair = try blocksOfExactlyTheirSize(size, count: 2, set, t, &ledger)
            let (a, b) = (pair[0], pair[1])
            try fillTcacheBin(size, set, t, &ledger)
            t.free(a)
            t.free(b)
            t.free(a)
            guard kind == .fastbinDupIntoForeign else {
                return ("free a, b, a (\(size) bytes) with the tcache bin full", callocs(size, 3))
            }
            let fake = foreignAddress(0x100)
            let field = UInt(bitPattern: a)
            write(field, (field >> 12) ^ fake)
            return ("fastbin a -> b -> a, then a's fd -> foreign 0x\(Hex.string(fake))", callocs(size, 2))

        case .tcachePoisoning:
            try requireTcache(set)
            let size = 16 + random.below(1000)
            try drainTcacheBin(size, set, t, &ledger)
            let pair = try blocksOfExactlyTheirSize(size, count: 2, set, t, &ledger)
            let (a, b) = (pair[0], pair[1])
            t.free(b)
            t.free(a)
            let mem = UInt(bitPattern: a)
            write(mem, (mem >> 12) ^ foreignAddress(0x210))
            return ("tcache a -> b, then a's next -> foreign", mallocs(size, 2))

        case .houseOfSpirit:
            // A size the tcache takes, or without a tcache a fastbin's: free() then files
            // the fake chunk without looking at its neighbours.
            let p = set.parameters
            let largest = p.tcacheCount > 0 && p.tcacheBins > 0 ? 0x20 + 16 * (min(p.tcacheBins, 63) - 1) : p.maxFastChunkSize
            guard largest >= Layout.minSize else { throw InjectionSetUpFailure(description: "the tcache and the fastbins are off") }
            let size = 0x20 + 16 * random.below((largest - 0x20) / 16 + 1)
            try drainTcacheBin(size - 8, set, t, &ledger)
            let fake = foreignAddress(0x1000) + (random.below(4) == 0 ? 8 : 0)
            write(fake, 0)
            write(fake + 8, UInt(size) | 1)
            write(fake + UInt(size) + 8, 0x21)
            t.free(UnsafeMutableRawPointer(bitPattern: fake + 16))
            return ("free() of a fake 0x\(Hex.string(UInt(size))) chunk at 0x\(Hex.string(fake)), outside every heap", mallocs(size - 8, 1))

        case .unsafeUnlink:
            let aSize = 0x418 + 16 * random.below(16), bSize = 0x4f8 + 16 * random.below(16)
            let run = try adjacentRun([aSize, bSize, 0x18], set, t, &ledger)
            let (a, b) = (run[0], run[1] - 16)
            let fakeSize = Corruptor.chunkSize(a - 16) - 16
            let holder = foreignAddress(0x300)
            write(holder, a)
            write(a, 0); write(a + 8, fakeSize); write(a + 16, holder - 0x18); write(a + 24, holder - 0x10)
            write(a + 32, 0); write(a + 40, 0)
            write(b, fakeSize)
            write(b + 8, GlibcLayout.peek(b + 8) & ~1)
            return ("fake free chunk in 0x\(Hex.string(a)), next chunk's prev_size and PREV_INUSE forged", frees([run[1]]))

        case .poisonNullByte:
            let aSize = 0x18 + 16 * random.below(32), bSize = 0x100 + 16 * random.below(0x40)
            let run = try adjacentRun([aSize, bSize, 0x18], set, t, &ledger)
            write(run[0] + UInt(aSize), 0, count: 1)
            return ("one NUL byte over the low byte of 0x\(Hex.string(run[1] - 16))'s size", nil)

        case .overlappingChunks:
            let run = try adjacentRun([0x18, 0x418 + 16 * random.below(32), 0x18 + random.below(0x400), 0x18], set, t, &ledger)
            let (a, b) = (run[1] - 16, run[2] - 16)
            release(run[1], t, &ledger)
            write(a + 8, GlibcLayout.peek(a + 8) + Corruptor.chunkSize(b))
            return ("freed 0x\(Hex.string(a)) enlarged over live 0x\(Hex.string(b))", mallocs(2000, 1))

        case .overlappingInUse:
            let run = try adjacentRun([0x18 + random.below(0x400), 0x18 + random.below(0x400), 0x18], set, t, &ledger)
            let (a, b) = (run[0] - 16, run[1] - 16)
            let growth = random.below(2) == 0 ? Corruptor.chunkSize(b) : UInt(16 * (1 + random.below(64)))
            write(a + 8, GlibcLayout.peek(a + 8) + growth)
            return ("live 0x\(Hex.string(a)) enlarged by 0x\(Hex.string(growth))", nil)

        case .houseOfForce, .topShrink:
            // Above the tcache and fastbins, so the block comes from the thread's own arena.
            let block = try hold(0x500, t, &ledger)
            let arena = Corruptor.arena(of: block - 16, set)
            var top = GlibcLayout.peek(arena + GlibcLayout.top)
            if kind == .houseOfForce {
                write(top + 8, UInt.max)
                return ("top's size set to all ones", mallocs(0x1f000, 1))
            }
            for _ in 0..<16 where Corruptor.chunkSize(top) < 0x2000 {
                _ = try hold(0x1f000, t, &ledger)
                top = GlibcLayout.peek(arena + GlibcLayout.top)
            }
            let size = Corruptor.chunkSize(top)
            let pages = size > 0x1000 + GlibcLayout.minSize ? 1 + random.below(Int((size - GlibcLayout.minSize) / 0x1000)) : 0
            // A top too small to lose a page loses 16 bytes instead.
            write(top + 8, GlibcLayout.peek(top + 8) - (pages > 0 ? UInt(pages) * 0x1000 : 16))
            return ("top shrunk by \(pages) pages", nil)

        case .unsortedBk:
            let run = try adjacentRun([0x18, 0x418 + 16 * random.below(32), 0x18], set, t, &ledger)
            let a = run[1] - 16
            release(run[1], t, &ledger)
            write(a + GlibcLayout.bk, foreignAddress(0x400))
            return ("unsorted 0x\(Hex.string(a))'s bk -> foreign", mallocs(2000, 1))

        case .largeNextsize:
            let run = try adjacentRun([0x18, 0x418, 0x18], set, t, &ledger)
            let a = run[1] - 16
            release(run[1], t, &ledger)
            _ = try hold(0x600, t, &ledger)
            write(a + GlibcLayout.bkNextSize, foreignAddress(0x500))
            return ("large 0x\(Hex.string(a))'s bk_nextsize -> foreign", FollowUp(description: "free a 0x430 chunk, then malloc(0x600)") { t, ledger in
                let c = t.malloc(0x428)
                _ = t.malloc(0x18)
                t.free(c)
                _ = t.malloc(0x600)
            })

        case .arenaFlag:
            let run = try adjacentRun([0x18, 0x18 + random.below(0x800), 0x18], set, t, &ledger)
            let chunk = run[1] - 16
            if random.below(2) == 0 { release(run[1], t, &ledger) }
            write(chunk + 8, GlibcLayout.peek(chunk + 8) ^ 4, count: 1)
            return ("NON_MAIN_ARENA flipped on 0x\(Hex.string(chunk))", nil)

        case .tcacheCount:
            try requireTcache(set)
            let size = 16 + random.below(1000)
            try drainTcacheBin(size, set, t, &ledger)
            let freed = 1 + random.below(6)
            let blocks = try blocksOfExactlyTheirSize(size, count: freed, set, t, &ledger)
            blocks.forEach(t.free)
            let bin = Layout.tcacheIndex(chunkSize: Layout.requestToSize(size))
            guard let tcache = Corruptor.tcache(holding: UInt(bitPattern: blocks.last!), bin: bin, set) else {
                throw InjectionSetUpFailure(description: "the freed \(size)-byte blocks are not in tcache bin \(bin)")
            }
            let count = random.below(2) == 0 ? freed + 1 + random.below(7 - freed + 1) : random.below(freed)
            write(tcache + UInt(2 * bin), UInt(count), count: 2)
            return ("tcache bin \(bin) count \(freed) -> \(count)", nil)

        case .useAfterFreeWrite:
            return try useAfterFree(set, t, &ledger)

        case .overflowIntoNext:
            let size = 1 + random.below(2000)
            let run = try adjacentRun([size, 0x18 + random.below(0x200), 0x18], set, t, &ledger)
            let usable = Int(Corruptor.chunkSize(run[0] - 16)) - 8
            let count = usable - size + 8 + random.below(9)
            write(run[0] + UInt(size), bytes: Array(repeating: 0x41, count: count))
            return ("\(count) bytes of 0x41 past a \(size)-byte block", frees([run[0]]))

        case .canaryScribble:
            let run = try adjacentRun([0x18 + random.below(0x400), 1 + random.below(0x400), 0x18], set, t, &ledger)
            let victim = ledger.block(at: UnsafeMutableRawPointer(bitPattern: run[1])!)!
            let count = min(1 + random.below(8), victim.requestSize)
            let offset = random.below(victim.requestSize - count + 1)
            write(run[1] + UInt(offset), bytes: (0..<count).map { ContentPattern.byte(at: offset + $0, id: victim.id) ^ 0xA5 })
            return ("\(count) bytes at offset \(offset) of live block 0x\(Hex.string(run[1]))", nil)

        case .mmapSize:
            // Above the largest mmap threshold; a heap with that much free serves it
            // from a bin or top, so the next request asks again.
            var mem = try hold((33 << 20) + random.below(1 << 16), t, &ledger)
            for _ in 0..<8 where GlibcLayout.peek(mem - 8) & 2 == 0 { mem = try hold((33 << 20) + random.below(1 << 16), t, &ledger) }
            guard GlibcLayout.peek(mem - 8) & 2 != 0 else { throw InjectionSetUpFailure(description: "no mmapped chunk in 9 requests of 33 MiB") }
            let wholePages = random.below(2) == 0
            let growth = wholePages ? UInt(0x1000 * (1 + random.below(4))) : UInt(16 * (1 + random.below(255)))
            write(mem - 8, GlibcLayout.peek(mem - 8) + growth)
            return ("mmapped 0x\(Hex.string(mem - 16)) enlarged by 0x\(Hex.string(growth))", wholePages ? nil : frees([mem]))
        case .crossThreadDoubleFree:
            return try crossThreadDoubleFree(set, t, &ledger)

        case .remoteTcacheWrite:
            return try remoteTcacheWrite(set, t, &ledger)
        }
    }

    private func useAfterFree(_ set: ArenaSet, _ t: MallocThread, _ ledger: inout Ledger) throws -> (String, FollowUp?) {
        var value = UInt(random.next())
        let target: UInt
        let place: String
        let p = set.parameters
        var list = random.below(4)
        // Where the model has no such lists, a chunk in a bin.
        if list == 0 && (p.tcacheCount == 0 || p.tcacheBins == 0) || list == 1 && p.maxFastChunkSize < Layout.minSize { list = 2 }
        switch list {
        case 0:
            let size = 16 + random.below(1000)
            try drainTcacheBin(size, set, t, &ledger)
            let a = UInt(bitPattern: try blocksOfExactlyTheirSize(size, count: 1, set, t, &ledger)[0])
            t.free(UnsafeMutableRawPointer(bitPattern: a))
            // Its next, the link (its key, the next word, is no link).
            target = a
            place = "tcache entry"
        case 1:
            let size = 1 + random.below(p.maxFastChunkSize - Layout.sizeSize)
            let a = UInt(bitPattern: try take(size, t))
            try fillTcacheBin(size, set, t, &ledger)
            t.free(UnsafeMutableRawPointer(bitPattern: a))
            target = a
            place = "fastbin chunk"
        default:
            let run = try adjacentRun([0x18, 0x418 + 16 * random.below(32), 0x18], set, t, &ledger)
            release(run[1], t, &ledger)
            if random.below(2) == 0 { _ = try hold(0x1000, t, &ledger) }
            target = run[1] + UInt(8 * random.below(2))
            place = "binned chunk"
        }
        if value == GlibcLayout.peek(target) { value = ~value }
        write(target, value)
        return ("8 random bytes over a link of a freed \(place) at 0x\(Hex.string(target))", nil)
    }

    private func mallocs(_ size: Int, _ count: Int) -> FollowUp {
        FollowUp(description: "malloc(\(size)) x\(count)") { t, _ in for _ in 0..<count { _ = t.malloc(size) } }
    }

    private func callocs(_ size: Int, _ count: Int) -> FollowUp {
        FollowUp(description: "calloc(1, \(size)) x\(count)") { t, _ in for _ in 0..<count { _ = t.calloc(1, size) } }
    }

    private func frees(_ blocks: [UInt]) -> FollowUp {
        FollowUp(description: "free(\(blocks.map { "0x" + Hex.string($0) }.joined(separator: ", ")))") { t, ledger in
            for mem in blocks {
                let p = UnsafeMutableRawPointer(bitPattern: mem)!
                ledger.remove(p)
                t.free(p)
            }
        }
    }
}
