import ArenaModel

extension BinSnapshot {
    /// The model's main arena and main thread's tcache, read as glibc-replay reads
    /// glibc's: the same rows in the same form.
    public init(model set: ArenaSet) {
        var lines: [String] = []
        let arena = set.arenas[0]
        let base = UInt(bitPattern: set.mainHeap?.baseAddress)
        let end = base + UInt(set.mainHeap?.count ?? 0)
        func inHeap(_ a: UInt) -> Bool { a >= base && a < end }
        func word(_ a: UInt) -> UInt { UnsafeRawPointer(bitPattern: a)!.load(as: UInt.self) }
        func offset(_ a: UInt) -> String { a >= base && a <= end && base != 0 ? String(a - base, radix: 16) : a == 0 ? "-" : "x" }
        func reveal(_ field: UInt) -> UInt { (field >> 12) ^ word(field) }
        let limit = 1 << 20

        lines.append("dump top \(offset(arena.top)) \(String(inHeap(arena.top) ? word(arena.top + 8) & ~7 : 0, radix: 16))")
        lines.append("dump remainder \(offset(arena.lastRemainder))")
        lines.append("dump system_mem \(String(arena.systemMem, radix: 16))")
        lines.append("dump binmap " + arena.binmap.map { String($0, radix: 16) }.joined(separator: " "))
        for (i, head) in arena.fastbins.enumerated() where head != 0 {
            var line = "dump fast \(i)", c = head, n = 0
            while c != 0 && inHeap(c) && n < limit {
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
            var line = "dump bin \(i)"
            while c != header && inHeap(c) && n < limit {
                line += " \(offset(c)):\(String(word(c + 8) & ~7, radix: 16))"
                c = word(c + 16)
                n += 1
            }
            if c != header { line += " " + offset(c) }
            lines.append(line)
        }
        if let tcache = set.threadCaches.first {
            lines.append("dump tcache at \(offset(tcache - 16))")
            for i in 0..<64 {
                let count = UnsafeRawPointer(bitPattern: tcache + UInt(2 * i))!.load(as: UInt16.self)
                var e = word(tcache + 0x80 + UInt(8 * i)), n = 0
                if count == 0 && e == 0 { continue }
                var line = "dump tcache \(i) \(count)"
                while e != 0 && inHeap(e) && n < limit {
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
