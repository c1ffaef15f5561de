/// The slow paths that explain a finding: which chunk an address lies in, where the
/// chunk boundaries around it are, and the hex dump of its neighbourhood. Each walks
/// the heap again from its start, with the same validation as the heap walk.
extension CheckRun {
    /// The chunk of heap `heap` whose span holds `address`, if the walk reaches it.
    func containingChunk(_ address: UInt, heap: Int) -> (address: UInt, size: UInt)? {
        var found: (UInt, UInt)?
        forEachChunk(of: heap, upTo: address) { chunk, size in
            if address >= chunk && address - chunk < size { found = (chunk, size) }
        }
        return found
    }

    /// Calls `body` with each chunk of `heap` from its first while the chunks are well
    /// formed, up to the first chunk whose end passes `limit`.
    func forEachChunk(of heap: Int, upTo limit: UInt, _ body: (UInt, UInt) -> Void) {
        let h = map.heaps[heap]
        var p = h.firstChunk
        while h.end &- p >= 16 && p >= h.firstChunk {
            let size = GlibcLayout.peek(p &+ 8) & ~GlibcLayout.flagBits
            let fencepost = size == 16 || (size == 0 && p &+ 16 == h.end)
            guard fencepost || (size >= GlibcLayout.minSize && size & 15 == 0 && size <= h.end &- p) else { return }
            body(p, max(size, 16))
            if p == map.arenas[h.arena].top || size == 0 || p &+ size > limit { return }
            p &+= size
        }
    }

    /// pwndbg's vis_heap_chunks for the rows around `field` (or `chunk`'s header): two
    /// 8-byte words a row, the bytes as text, each chunk start marked, the row holding
    /// the faulty word flagged. Only memory of the model's heaps and main arena is read.
    func neighbourhood(chunk: UInt, field: UInt) -> String {
        let focus = (field != 0 ? field : chunk &+ 8) & ~15
        guard focus != 0, map.isReadable(focus, span: 16) else { return "" }
        var labels: [UInt: String] = [:]
        if let heap = map.heapBase(of: focus) {
            forEachChunk(of: heap, upTo: focus &+ 0x60) { start, size in
                if start &+ 0x60 >= focus {
                    let next = start &+ size
                    let used = map.isReadable(next, span: 16) ? " prev_inuse of next: \(GlibcLayout.peek(next &+ 8) & 1)" : ""
                    labels[start] = "<- chunk 0x\(Hex.string(start)) size 0x\(Hex.string(size))\(used)"
                }
            }
            let top = map.arenas[map.heaps[heap].arena].top
            if labels[top] != nil { labels[top] = "<- top 0x\(Hex.string(top))" }
        }
        if chunk != 0 && labels[chunk] == nil && map.isReadable(chunk, span: 16) {
            labels[chunk] = "<- chunk 0x\(Hex.string(chunk)), size field 0x\(Hex.string(GlibcLayout.peek(chunk &+ 8)))"
        }
        var rows: [String] = []
        var row = focus &- 0x40
        while row <= focus &+ 0x40 {
            defer { row &+= 16 }
            guard map.isReadable(row, span: 16) else { continue }
            let a = GlibcLayout.peek(row), b = GlibcLayout.peek(row &+ 8)
            let text = (0..<16).map { i -> Character in
                let byte = UInt8(truncatingIfNeeded: (i < 8 ? a : b) >> UInt(8 * (i % 8)))
                return byte >= 0x20 && byte < 0x7f ? Character(Unicode.Scalar(byte)) : "."
            }
            let flag = row == focus ? "=> " : "   "
            rows.append("\(flag)0x\(Hex.word(row))  0x\(Hex.word(a))  0x\(Hex.word(b))  \(String(text))" + (labels[row].map { "  " + $0 } ?? ""))
        }
        return rows.map { "    " + $0 }.joined(separator: "\n")
    }
}
