import ArenaModel

extension BinSnapshot {
    /// The model's arenas and the main thread's tcache, read as glibc-replay reads glibc's:
    /// the same rows in the same form. The main arena's rows come first; each other
    /// arena's follow, labelled `aK ` (K its number in creation order), and a chunk of a
    /// non-main heap is written `K/H/OFFSET` (arena, heap within it, offset in hex).
    public init(model set: ArenaSet) {
        var lines: [String] = []
        let base = UInt(bitPattern: set.mainHeap?.baseAddress)
        let end = base + UInt(set.mainHeap?.count ?? 0)
        let ring = ArenaRing(mainArena: set.arenas[0].address)
        let others = ring.nonMainArenas
        // Every non-main heap: its arena's number, its index, its size.
        var heaps: [UInt: (arena: Int, heap: Int, size: Int)] = [:]
        for (k, a) in others.enumerated() {
            for (h, heap) in ArenaRing.heaps(of: a).enumerated() { heaps[heap.address] = (k + 1, h, heap.size) }
        }
        let heapMask = ~(UInt(64 << 20) - 1)
        func inMainHeap(_ a: UInt) -> Bool { a >= base && a < end }
        func known(_ a: UInt) -> Bool {
            if inMainHeap(a) { return true }
            guard let h = heaps[a & heapMask] else { return false }
            return a - (a & heapMask) < UInt(h.size)
        }
        func word(_ a: UInt) -> UInt { UnsafeRawPointer(bitPattern: a)!.load(as: UInt.self) }
        func offset(_ a: UInt) -> String {
            if a >= base && a <= end && base != 0 { return String(a - base, radix: 16) }
            if let h = heaps[a & heapMask], a - (a & heapMask) <= UInt(h.size) {
                return "\(String(h.arena, radix: 16))/\(String(h.heap, radix: 16))/\(String(a - (a & heapMask), radix: 16))"
            }
            return a == 0 ? "-" : "x"
        }
        func reveal(_ field: UInt) -> UInt { (field >> 12) ^ word(field) }
        let limit = 1 << 20

        let views = set.arenas
        for (k, address) in ([views[0].address] + others).enumerated() {
            guard let arena = views.first(where: { $0.address == address }) else { continue }
            let p = k == 0 ? "" : "a\(k) "
            lines.append("dump \(p)top \(offset(arena.top)) \(String(known(arena.top) ? word(arena.top + 8) & ~7 : 0, radix: 16))")
            lines.append("dump \(p)remainder \(offset(arena.lastRemainder))")
            lines.append("dump \(p)system_mem \(String(arena.systemMem, radix: 16))")
            lines.append("dump \(p)binmap " + arena.binmap.map { String($0, radix: 16) }.joined(separator: " "))
            for (i, head) in arena.fastbins.enumerated() where head != 0 {
                var line = "dump \(p)fast \(i)", c = head, n = 0
                while c != 0 && known(c) && n < limit {
                    line += " " + offset(c)
                    c = reveal(c + 16)
                    n += 1
                }
                if c != 0 { line += " " + offset(c) }
                lines.append(line)
            }
            for i in 1..<128 {
                let header = arena.binHeader(i)
                var c = word(header + 16), n = 0
                if c == header { continue }
                var line = "dump \(p)bin \(i)"
                while c != header && known(c) && n < limit {
                    line += " \(offset(c)):\(String(word(c + 8) & ~7, radix: 16))"
                    c = word(c + 16)
                    n += 1
                }
                if c != header { line += " " + offset(c) }
                lines.append(line)
            }
        }
        // The main thread's tcache, as glibc-replay reads its own thread's: in a trace the
        // main thread's first malloc comes first, so its tcache is the lowest in the main
        // heap (with arena_max=1 other threads' are there too).
        if let tcache = set.threadCaches.filter(inMainHeap).min() {
            lines.append("dump tcache at \(offset(tcache - 16))")
            for i in 0..<64 {
                let count = UnsafeRawPointer(bitPattern: tcache + UInt(2 * i))!.load(as: UInt16.self)
                var e = word(tcache + 0x80 + UInt(8 * i)), n = 0
                if count == 0 && e == 0 { continue }
                var line = "dump tcache \(i) \(count)"
                while e != 0 && known(e) && n < limit {
                    line += " " + offset(e - 16)
                    e = reveal(e)
                    n += 1
                }
                if e != 0 { line += " " + offset(e) }
                lines.append(line)
            }
        } else {
            lines.append("dump tcache none")
        }
        self.init(dumpLines: lines)
    }
}
