import ArenaModel

/// What G4 adds up for one arena: the bytes the heap walks found, by the walk's own
/// reading (a chunk is free when its successor's PREV_INUSE is clear), and the bytes the
/// lists hold, each entry counted each time a list reaches it.
struct ArenaTally {
    /// Every chunk the walks met, top included; those free per PREV_INUSE; those in use
    /// that a fastbin or tcache list names; top.
    var walked: UInt = 0, free: UInt = 0, cached: UInt = 0, top: UInt = 0
    /// heap_info, the malloc_state and alignment before each heap's first chunk, and
    /// the fenceposts ending heaps that are not current.
    var headers: UInt = 0, fenceposts: UInt = 0
    /// False when a walk of one of the arena's heaps stopped before the heap's end (W1,
    /// W2, W8 say why): its sums are then not compared.
    var walkedWhole = true
    /// The arena's regular bins, its fastbins, and the tcache entries (any thread's) that
    /// lie in its heaps.
    var binned: UInt = 0, fast: UInt = 0, tcache: UInt = 0
}

/// G4 and G5: what the arenas, the lists and the mmap registry say they hold against what is there.
extension CheckRun {
    /// G4, per arena: system_mem equals the bytes of its heaps; the regular bins hold the
    /// bytes of the free chunks the walk found, the fastbins and tcache entries those of
    /// the fast and tcache chunks it saw in use; in-use chunks, binned, fast and tcache
    /// chunks and top add up to the heaps' bytes less headers and fenceposts. Across
    /// arenas: the tcache counts stand for the bytes of the tcache entries.
    mutating func checkAccounting() {
        for (index, arena) in map.arenas.enumerated() {
            let held = arena.heaps.reduce(UInt(0)) { $0 &+ map.heaps[$1].end &- map.heaps[$1].base }
            if arena.systemMem != held {
                note(.g4, chunk: 0, field: arena.address &+ GlibcLayout.systemMem, arena: index,
                     "arena \(index)'s system_mem disagrees with its heaps", expected: "0x\(Hex.string(held)) bytes in \(arena.heaps.count) heaps",
                     actual: "system_mem 0x\(Hex.string(arena.systemMem))")
            }
            if arena.systemMem > arena.maxSystemMem {
                note(.g4, chunk: 0, field: arena.address &+ GlibcLayout.maxSystemMem, arena: index,
                     "arena \(index)'s system_mem exceeds max_system_mem", expected: "at most 0x\(Hex.string(arena.maxSystemMem))",
                     actual: "0x\(Hex.string(arena.systemMem))")
            }
            let t = tallies[index]
            guard t.walkedWhole else { continue }
            var listsAgree = true
            if t.binned != t.free {
                listsAgree = false
                note(.g4, chunk: 0, arena: index, "arena \(index)'s regular bins do not hold the free chunks its heaps have",
                     expected: "0x\(Hex.string(t.free)) bytes of free chunks (the walk, by PREV_INUSE)",
                     actual: "0x\(Hex.string(t.binned)) bytes in the unsorted, small and large bins")
            }
            if t.fast &+ t.tcache != t.cached {
                listsAgree = false
                note(.g4, chunk: 0, arena: index, "arena \(index)'s fastbins and tcache entries do not hold the fast and tcache chunks its heaps have",
                     expected: "0x\(Hex.string(t.cached)) bytes of listed chunks in use (the walk)",
                     actual: "0x\(Hex.string(t.fast)) in fastbins + 0x\(Hex.string(t.tcache)) in tcaches")
            }
            // With the lists agreeing, what is left to add up is the tiling: top's size
            // and the heaps' ends.
            let inUse = t.walked &- t.free &- t.cached &- t.top
            let sum = inUse &+ t.binned &+ t.fast &+ t.tcache &+ t.top &+ t.headers &+ t.fenceposts
            if listsAgree && sum != held {
                note(.g4, chunk: 0, arena: index, "arena \(index)'s chunks do not add up to its heaps",
                     expected: "0x\(Hex.string(held)) bytes in \(arena.heaps.count) heaps",
                     actual: "in use 0x\(Hex.string(inUse)) + bins 0x\(Hex.string(t.binned)) + fastbins 0x\(Hex.string(t.fast)) + tcaches 0x\(Hex.string(t.tcache))"
                         + " + top 0x\(Hex.string(t.top)) + headers 0x\(Hex.string(t.headers)) + fenceposts 0x\(Hex.string(t.fenceposts)) = 0x\(Hex.string(sum))")
            }
        }
        let (counted, listed) = (tcacheCountBytes, tcacheListBytes)
        if counted != listed {
            note(.g4, chunk: 0, "the tcache counts do not stand for the tcache entries",
                 expected: "0x\(Hex.string(listed)) bytes in the entries the tcache lists reach",
                 actual: "0x\(Hex.string(counted)) bytes by the counts (count x size class)")
        }
    }

    /// G5 over every chunk of the model's mmap registry: the chunk's own fields, that it
    /// lies outside every heap, and that the registry adds up to mp_'s counters. Only the
    /// chunk's header is read: the registry holds its address, so its page is mapped.
    mutating func checkMmapped(_ chunks: [UInt]) {
        mmapped = Set(chunks)
        var total: UInt = 0
        for chunk in chunks {
            let offset = GlibcLayout.peek(chunk)
            let head = GlibcLayout.peek(chunk &+ 8)
            let size = head & ~GlibcLayout.flagBits
            let mapping = chunk &- offset
            let inPage = (chunk &+ 16) & (GlibcLayout.pageSize - 1)
            total &+= offset &+ size
            var problems: [String] = []
            if head & 7 != 2 { problems.append("flags 0x\(Hex.string(head & 7)) (IS_MMAPPED alone expected)") }
            if mapping & (GlibcLayout.pageSize - 1) != 0 { problems.append("mapping start 0x\(Hex.string(mapping)) not page aligned") }
            if (offset &+ size) & (GlibcLayout.pageSize - 1) != 0 { problems.append("prev_size + size 0x\(Hex.string(offset &+ size)) not whole pages") }
            if inPage & (inPage &- 1) != 0 { problems.append("user pointer at 0x\(Hex.string(inPage)) in its page, not a power of two") }
            if map.heapBase(of: chunk) != nil { problems.append("inside a heap") }
            if !problems.isEmpty {
                note(.g5, chunk: chunk, field: chunk &+ 8, "mmapped chunk 0x\(Hex.string(chunk)) is malformed: \(problems.joined(separator: "; "))",
                     expected: "IS_MMAPPED, page-aligned mapping of whole pages", actual: "prev_size 0x\(Hex.string(offset)), size field 0x\(Hex.string(head))")
            }
        }
        statistics.mmappedChunks = chunks.count
        statistics.mmappedBytes = Int(bitPattern: total)
        let (count, bytes) = (parameters.mmappedChunks, parameters.mmappedBytes)
        if chunks.count != count || Int(bitPattern: total) != bytes {
            note(.g5, chunk: 0, "the mmapped chunks do not add up to the model's counters",
                 expected: "\(count) chunks, 0x\(Hex.string(UInt(bytes))) bytes",
                 actual: "\(chunks.count) chunks, 0x\(Hex.string(total)) bytes")
        }
    }
}
