import Atomics

extension Arena {
    /// `malloc_consolidate`: empties every fastbin, merging each chunk with its free
    /// neighbours into the unsorted bin or top. False when a check failed.
    func consolidate(_ g: Globals) -> Bool {
        haveFastChunks = false
        let unsorted = unsortedBin
        for idx in 0..<Layout.fastBinCount {
            var next = takeFastbin(idx, g)
            while let chunk = next {
                var p = chunk
                if p.isMisaligned { g.report(.consolidateUnaligned, p, self); return false }
                if Layout.fastBinIndex(p.size) != idx { g.report(.consolidateInvalidSize, p, self); return false }
                next = p.revealedFd
                var size = p.size
                let nextChunk = p.at(size)
                let nextSize = nextChunk.size

                if !p.prevInUse {
                    let prevSize = p.prevSize
                    size += prevSize
                    p = p.at(-prevSize)
                    if p.size != prevSize { g.report(.corruptedSizeFastbins, p, self); return false }
                    guard unlink(p, g) else { return false }
                }

                if nextChunk != top {
                    if !nextChunk.inUseBit(at: nextSize) {
                        size += nextSize
                        guard unlink(nextChunk, g) else { return false }
                    } else {
                        nextChunk.clearInUseBit(at: 0)
                    }
                    let first = unsorted.fd
                    unsorted.fd = p
                    first.bk = p
                    if !Layout.inSmallBinRange(size) {
                        p.fdNextSize = nil
                        p.bkNextSize = nil
                    }
                    p.head = size | Layout.prevInUseBit
                    p.bk = unsorted
                    p.fd = first
                    p.setFoot(size)
                } else {
                    size += nextSize
                    p.head = size | Layout.prevInUseBit
                    top = p
                }
            }
        }
        return true
    }

    /// Detaches a whole fastbin (glibc's `atomic_exchange_acq (fb, NULL)`).
    @inline(__always)
    private func takeFastbin(_ idx: Int, _ g: Globals) -> Chunk? {
        if !g.multiThreaded {
            let first = fastbin(idx)
            setFastbin(idx, nil)
            return first
        }
        let slot = UnsafeAtomic<Int>(at: fastbinSlot(idx).assumingMemoryBound(to: Int.AtomicRepresentation.self))
        return UnsafeMutableRawPointer(bitPattern: slot.exchange(0, ordering: .acquiring)).map { Chunk($0) }
    }
}
