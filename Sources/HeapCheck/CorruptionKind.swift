import ArenaModel

/// The corruption corpus (shared/design/invariants.md): each kind a deliberate fault a
/// scenario phase can inject with `Corruptor.inject`. Each recipe shapes the heap it
/// needs (`Corruptor+Shaping.swift`): it empties bins and takes fresh chunks from top,
/// so it sets itself up whatever the workload left; the tcache kinds need a tcache.
/// "Foreign" addresses lie in the corruptor's own page, outside every heap, so that the
/// model can follow them after the injection without faulting, as glibc would follow an
/// attacker's pointer.
public enum CorruptionKind: String, CaseIterable, Sendable, Codable {
    /// `free(a); free(a)` on a tcache-sized block: the second free finds a's tcache key
    /// (a+8) and walks the bin. Writes nothing itself.
    case doubleFreeTcache = "double-free-tcache"
    /// With the size's tcache bin full, `free(a); free(b); free(a)` on fastbin-sized
    /// blocks of the thread's arena (not from its tcache, which may hold other arenas'
    /// chunks): the fastbin becomes a -> b -> a. Writes nothing itself.
    case fastbinDup = "fastbin-dup"
    /// fastbin-dup, then 8 bytes at a+0x10 (a's fd): the safe-linked address of a fake
    /// chunk in the foreign page, `((a+0x10) >> 12) ^ fake`.
    case fastbinDupIntoForeign = "fastbin-dup-into-foreign"
    /// Frees b then a into an emptied tcache bin, then 8 bytes at a's user pointer (its
    /// `next`): `(mem >> 12) ^ foreign`.
    case tcachePoisoning = "tcache-poisoning"
    /// Writes a fake chunk header (16 bytes: prev_size 0, size S|PREV_INUSE, S a tcache
    /// size, or without a tcache a fastbin size) and the next fake header (0x21) into
    /// the foreign page, then frees the fake chunk; one seed in four misaligns it by 8.
    case houseOfSpirit = "house-of-spirit"
    /// Blocks a (a large chunk) and b adjacent: 48 bytes at a's user pointer (a fake free
    /// chunk: prev_size 0, size a-0x10, fd holder-0x18, bk holder-0x10, null nextsize
    /// links, with the holder in the foreign page pointing at the fake chunk), 8 bytes at
    /// b's prev_size (a-0x10), and b's size with PREV_INUSE cleared (8 bytes at b+8).
    case unsafeUnlink = "unsafe-unlink"
    /// One 0x00 byte at a + request, the low byte of the next chunk's size field.
    case poisonNullByte = "poison-null-byte"
    /// Frees a (unsorted), then 8 bytes at a+8: its size plus its live neighbour b's size.
    case overlappingChunks = "overlapping-chunks"
    /// 8 bytes at a+8, a live chunk's size: plus its live neighbour's size (or, one seed in
    /// two, plus another multiple of 16).
    case overlappingInUse = "overlapping-inuse"
    /// 8 bytes at top+8: all ones.
    case houseOfForce = "house-of-force"
    /// 8 bytes at top+8: the size less one or more whole pages, PREV_INUSE kept.
    case topShrink = "top-shrink"
    /// Frees a (unsorted), then 8 bytes at a+0x18 (its bk): a foreign fake chunk.
    case unsortedBk = "unsorted-bk"
    /// Frees a 0x420 chunk and sorts it into its large bin, then 8 bytes at a+0x28 (its
    /// bk_nextsize): a foreign fake chunk.
    case largeNextsize = "large-nextsize"
    /// One byte at chunk+8: NON_MAIN_ARENA (0x4) flipped, on a live chunk or (one seed
    /// in two) a free one.
    case arenaFlag = "arena-flag"
    /// Two bytes in the thread's tcache_perthread_struct: one bin's count moved away
    /// from its list's length.
    case tcacheCount = "tcache-count"
    /// 8 random bytes over a link of a freed chunk: a tcache entry's next, a fastbin
    /// chunk's fd, an unsorted or large-bin chunk's fd or bk (without a tcache or
    /// fastbins, always the last).
    case useAfterFreeWrite = "use-after-free-write"
    /// 0x41 bytes from a + request over the rest of a, the next chunk's prev_size and
    /// size, and 0-8 bytes of its user data.
    case overflowIntoNext = "overflow-into-next"
    /// 1-8 bytes inside another live block, each differing from its pattern.
    case canaryScribble = "canary-scribble"
    /// 8 bytes at chunk+8 of an mmapped chunk: its size enlarged by whole pages or (one
    /// seed in two) by a multiple of 16. Revert it before the `ArenaSet` goes away: its
    /// deinit unmaps each mmapped chunk by the size the chunk says.
    case mmapSize = "mmap-size"
    /// Thread A frees a tcache-sized block a into its tcache; thread B, with a stale
    /// pointer, frees a again into its own (emptied, then given 0-3 chunks of its own).
    /// glibc 2.36's key check finds a's key but walks only B's tcache bin: a goes into
    /// both, its next now B's old head. Writes nothing itself.
    case crossThreadDoubleFree = "cross-thread-double-free"
    /// Thread B's block a, freed by thread A (a remote free) into A's tcache after 0-3
    /// chunks of A's own, then 8 bytes through B's stale pointer: at a (its next) or a+8
    /// (its key), a random value.
    case remoteTcacheWrite = "remote-tcache-write"
}

extension CorruptionKind {
    /// The checks that catch this kind: the corpus table's "caught by" column of
    /// invariants.md, as invariants of the heap checker and glibc's runtime checks. A
    /// kind is detected when one of them fires, not on any finding at all.
    public var caughtBy: CatchingChecks {
        switch self {
        // "tcache key check; L6"
        case .doubleFreeTcache: CatchingChecks([.l6], [.freeDoubleFreeTcache])
        // "L6 (cycle/duplicate); fasttop only for a,a"
        case .fastbinDup: CatchingChecks([.l6], [.doubleFreeFasttop])
        // "L2, L10; memory corruption (fast)"
        case .fastbinDupIntoForeign: CatchingChecks([.l2, .l10], [.mallocMemoryCorruptionFast])
        // "L2, L10"
        case .tcachePoisoning: CatchingChecks([.l2, .l10], [])
        // "free(): invalid pointer / not in any heap": a list entry in no heap is L2's finding.
        case .houseOfSpirit: CatchingChecks([.l2], [.freeInvalidPointer])
        // "W3/W4 (prev_size disagrees with walk); L7"
        case .unsafeUnlink: CatchingChecks([.w3, .w4, .l7], [])
        // "W1/W2/W3"
        case .poisonNullByte: CatchingChecks([.w1, .w2, .w3], [])
        // "W1, G2; invalid next size": each of glibc's "invalid next size" checks.
        case .overlappingChunks:
            CatchingChecks([.w1, .g2], [.freeInvalidNextSizeFast, .freeInvalidNextSizeNormal, .mallocInvalidNextSizeUnsorted, .reallocInvalidNextSize])
        // "W1, G2"
        case .overlappingInUse: CatchingChecks([.w1, .g2], [])
        // "W1 (top end), W6; corrupted top size"
        case .houseOfForce: CatchingChecks([.w1, .w6], [.mallocCorruptedTopSize])
        // "W1 (top end != heap end)"
        case .topShrink: CatchingChecks([.w1], [])
        // "L1; unsorted double linked list corrupted"
        case .unsortedBk: CatchingChecks([.l1], [.mallocUnsortedCorrupted])
        // "L4, L1"
        case .largeNextsize: CatchingChecks([.l4, .l1], [])
        // "W7"
        case .arenaFlag: CatchingChecks([.w7], [])
        // "L9"
        case .tcacheCount: CatchingChecks([.l9], [])
        // "L1/L2/L10 by where it lands"
        case .useAfterFreeWrite: CatchingChecks([.l1, .l2, .l10], [])
        // "W2/W3 and G3"
        case .overflowIntoNext: CatchingChecks([.w2, .w3, .g3], [])
        // "G3"
        case .canaryScribble: CatchingChecks([.g3], [])
        // "G5"
        case .mmapSize: CatchingChecks([.g5], [])
        // "L6 across every thread's tcache"
        case .crossThreadDoubleFree: CatchingChecks([.l6], [])
        // "L9 (key), L10 / L2 (next)"
        case .remoteTcacheWrite: CatchingChecks([.l9, .l10, .l2], [])
        }
    }

    /// How glibc 2.36's own checks miss this kind, for the kinds only threads make,
    /// which no runtime check of `caughtBy` catches; nil for the others (`caughtBy.runtime`
    /// names the checks of glibc's that catch them). A detection quotes it beside the
    /// heap check's finding.
    public var glibcMisses: String? {
        switch self {
        case .crossThreadDoubleFree:
            "glibc 2.36 misses it: free's tcache key check walks only the freeing thread's tcache, so the chunk goes into a second tcache and is handed out twice"
        case .remoteTcacheWrite:
            "glibc 2.36 misses it: nothing checks a cached chunk's key, and a changed next only when the owner's malloc takes the entry after it and finds it misaligned (\"malloc(): unaligned tcache chunk detected\")"
        default: nil
        }
    }
}

/// The checks that catch one corruption kind: invariants the heap checker reports and
/// runtime checks of glibc's that the model makes.
public struct CatchingChecks: Sendable, Equatable, CustomStringConvertible {
    public let invariants: [InvariantID]
    public let runtime: [MallocCheck]

    init(_ invariants: [InvariantID], _ runtime: [MallocCheck]) {
        self.invariants = invariants
        self.runtime = runtime
    }

    /// Whether a finding of the invariant named `id` (`W3`, `L6`) is one of these checks.
    public func catches(invariant id: String) -> Bool { invariants.contains { $0.rawValue == id } }

    /// Whether a runtime check that printed glibc's `message` is one of these checks.
    public func catches(runtimeMessage message: String) -> Bool { runtime.contains { $0.message == message } }

    /// The checks in words: `L2, L10; "malloc(): memory corruption (fast)"`.
    public var description: String {
        let ids = invariants.map(\.rawValue).joined(separator: ", ")
        let messages = runtime.map { "\"\($0.message)\"" }.joined(separator: ", ")
        return [ids, messages].filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
