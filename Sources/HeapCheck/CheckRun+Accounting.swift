import ArenaModel

/// G4 and G5: what the arenas and the mmap registry say they hold against what is there.
extension CheckRun {
    /// G4: each arena's system_mem against the bytes of the heaps found for it.
    mutating func checkAccounting() {
        for (index, arena) in map.arenas.enumerated() {
            let held = arena.heaps.reduce(UInt(0)) { $0 + map.heaps[$1].end - map.heaps[$1].base }
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
