extension Arena {
    /// `_int_memalign`: over-allocates by `alignment + MINSIZE`, then frees the
    /// leading and trailing space around an aligned chunk. `alignment` is a power of
    /// two from 32 to 2^63 (a negative Int), as `_mid_memalign` leaves it.
    func intMemalign(_ alignment: Int, _ bytes: Int, _ t: MallocThread) -> UnsafeMutableRawPointer? {
        let g = t.g
        let nb = Layout.checkedRequestToSize(bytes)
        // An alignment above PTRDIFF_MAX (2^63 only) fails here, as in the glibc 2.36
        // that Debian 12 ships (the CVE-2026-0861 fix of the 2.36 branch): with 2^62 at
        // most, the padded request below cannot wrap and fails in `intMalloc` if too big.
        if nb == 0 || alignment < 0 { return nil }
        let arenaBit = self == g.mainArena ? 0 : Layout.nonMainArenaBit
        guard let m = intMalloc(nb &+ alignment &+ Layout.minSize, t) else { return nil }
        var p = Chunk(mem: m)

        if Int(bitPattern: m) % alignment != 0 {
            // The leader must be a chunk of its own, so at least MINSIZE.
            var brk = Chunk(mem: UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: m) + alignment - 1) & -alignment)!)
            if brk.address - p.address < Layout.minSize { brk = brk.at(alignment) }
            let newp = brk
            let leadSize = brk.address - p.address
            let newSize = p.size - leadSize
            if p.isMmapped {
                newp.prevSize = p.prevSize + leadSize
                newp.head = newSize | Layout.isMmappedBit
                let registry = MmapRegistry(g: g)
                registry.remove(p)
                registry.insert(newp)
                return newp.mem
            }
            newp.head = newSize | Layout.prevInUseBit | arenaBit
            newp.setInUseBit(at: newSize)
            p.setHeadSize(leadSize | arenaBit)
            intFree(p, haveLock: true, t)
            p = newp
        }

        if !p.isMmapped {
            let size = p.size
            if UInt(bitPattern: size) > UInt(bitPattern: nb &+ Layout.minSize) {
                let remainder = p.at(nb)
                remainder.head = (size - nb) | Layout.prevInUseBit | arenaBit
                p.setHeadSize(nb)
                intFree(remainder, haveLock: true, t)
            }
        }
        return p.mem
    }
}
