extension ArenaSet {
    /// Bytes held from the kernel now: every arena's system_mem and the mmapped chunks'
    /// bytes (mallinfo2's arena + hblkhd), read from counters without walking a bin, so
    /// that a caller may read it after every op.
    public var heldBytes: Int {
        var held = g[.mmappedMem]
        forEachArena { held += $0.systemMem }
        return held
    }
}
