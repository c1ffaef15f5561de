extension Arena {
    /// `_int_realloc`: grows into top or a free successor in place, else moves the data
    /// to a new chunk; a tail of at least MINSIZE is split off and freed.
    func intRealloc(_ oldp: Chunk, _ oldSize: Int, _ nb: Int, _ t: MallocThread) -> UnsafeMutableRawPointer? {
        let g = t.g
        // Sizes are size_t here, compared unsigned, as a corrupted head may set the top bit.
        if UInt(bitPattern: oldp.head) <= UInt(Layout.chunkHeaderSize) || UInt(bitPattern: oldSize) >= UInt(bitPattern: systemMem) {
            g.report(.reallocInvalidOldSize, oldp, self); return nil
        }
        let arenaBit = self == g.mainArena ? 0 : Layout.nonMainArenaBit
        let next = oldp.at(oldSize)
        let nextSize = next.size
        if UInt(bitPattern: next.head) <= UInt(Layout.chunkHeaderSize) || UInt(bitPattern: nextSize) >= UInt(bitPattern: systemMem) {
            g.report(.reallocInvalidNextSize, oldp, self); return nil
        }

        var newp = oldp
        var newSize = oldSize
        if UInt(bitPattern: oldSize) < UInt(bitPattern: nb) {
            if next == top && UInt(bitPattern: oldSize &+ nextSize) >= UInt(bitPattern: nb &+ Layout.minSize) {
                newSize = oldSize &+ nextSize
                oldp.setHeadSize(nb | arenaBit)
                top = oldp.at(nb)
                top.head = (newSize - nb) | Layout.prevInUseBit
                t.count(.reallocInPlace)
                return oldp.mem
            } else if next != top && !next.inUse && UInt(bitPattern: oldSize + nextSize) >= UInt(bitPattern: nb) {
                newSize = oldSize + nextSize
                guard unlink(next, g) else { return nil }
            } else {
                guard let newMem = intMalloc(nb &- Layout.alignMask, t) else { return nil }
                newp = Chunk(mem: newMem)
                newSize = newp.size
                if newp == next {
                    // The new chunk is the old one's successor: grow in place after all.
                    newSize += oldSize
                    newp = oldp
                } else {
                    newMem.copyMemory(from: oldp.mem, byteCount: oldSize - Layout.sizeSize)
                    intFree(oldp, haveLock: true, t)
                    return newMem
                }
            }
        }

        let remainderSize = newSize - nb
        if remainderSize < Layout.minSize {
            newp.setHeadSize(newSize | arenaBit)
            newp.setInUseBit(at: newSize)
        } else {
            let remainder = newp.at(nb)
            newp.setHeadSize(nb | arenaBit)
            remainder.head = remainderSize | Layout.prevInUseBit | arenaBit
            remainder.setInUseBit(at: remainderSize)
            intFree(remainder, haveLock: true, t)
        }
        t.count(.reallocInPlace)
        return newp.mem
    }
}
