/// The stable IDs of the invariant catalogue (shared/design/invariants.md): walk
/// invariants W1-W8, list invariants L1-L10, ledger invariants G1-G5.
public enum InvariantID: String, CaseIterable, Sendable, Codable, Comparable, CustomStringConvertible {
    case w1 = "W1", w2 = "W2", w3 = "W3", w4 = "W4", w5 = "W5", w6 = "W6", w7 = "W7", w8 = "W8"
    case l1 = "L1", l2 = "L2", l3 = "L3", l4 = "L4", l5 = "L5", l6 = "L6", l7 = "L7", l8 = "L8", l9 = "L9", l10 = "L10"
    case g1 = "G1", g2 = "G2", g3 = "G3", g4 = "G4", g5 = "G5"

    public var description: String { rawValue }

    /// The catalogue's short name.
    public var title: String {
        switch self {
        case .w1: "tiling"
        case .w2: "size"
        case .w3: "prev-inuse"
        case .w4: "footer"
        case .w5: "coalesced"
        case .w6: "top"
        case .w7: "arena flag"
        case .w8: "fencepost"
        case .l1: "links"
        case .l2: "bounded"
        case .l3: "bin range"
        case .l4: "sorted"
        case .l5: "free state"
        case .l6: "once"
        case .l7: "no lost chunk"
        case .l8: "binmap"
        case .l9: "tcache count"
        case .l10: "safe-link"
        case .g1: "live"
        case .g2: "disjoint"
        case .g3: "content"
        case .g4: "accounting"
        case .g5: "mmap"
        }
    }

    /// When the invariant holds, as the catalogue states it (with the checker's reading
    /// where the catalogue leaves a choice).
    public var rule: String {
        switch self {
        case .w1: "the heap is tiled exactly: each chunk starts where the previous ends; the last is top; top's end equals the heap's end"
        case .w2: "size is a multiple of 16, at least MINSIZE, stays inside the heap, and IS_MMAPPED is clear"
        case .w3: "a chunk's PREV_INUSE equals the state of the chunk before it (and a free chunk's footer agrees)"
        case .w4: "for a free chunk, the next chunk's prev_size equals its size"
        case .w5: "no two neighbouring free chunks, and no free chunk just before top"
        case .w6: "top has PREV_INUSE set and size >= MINSIZE"
        case .w7: "NON_MAIN_ARENA is set exactly on in-use/fast/tcache chunks of non-main arenas; never on free or top chunks"
        case .w8: "a non-main heap that is not its arena's current one ends as sysmalloc leaves it when it starts a new heap: a 0x10|PREV_INUSE fencepost then 0x0|PREV_INUSE with prev_size 0x10 (or a 0x20 remnant of the old top, then 0x0|PREV_INUSE with prev_size 0x20)"
        case .l1: "doubly linked bins: fd->bk == p and bk->fd == p for every node, the head included"
        case .l2: "every entry lies on a chunk boundary found by the walk, in a heap of the same arena"
        case .l3: "a small bin holds only its size, a large bin only its range, a fastbin or tcache bin only its size class"
        case .l4: "a large bin is sorted by size and its nextsize ring links the first chunk of each size both ways; other large chunks have null nextsize links"
        case .l5: "a regular-bin entry is free per the walk; fast and tcache entries are in use per the walk"
        case .l6: "no chunk is in two lists, or in one list twice (a cycle)"
        case .l7: "every free chunk found by the walk is in exactly one regular bin (or is top)"
        case .l8: "a clear binmap bit means an empty bin"
        case .l9: "a tcache bin's count equals its list length and is at most tcache_count; each entry's key is the tcache key"
        case .l10: "a revealed fastbin/tcache pointer is 16-byte aligned and inside the arena"
        case .g1: "every block the workload holds is an in-use chunk (or mmapped chunk) whose usable size covers the request"
        case .g2: "no two live blocks overlap; no live block overlaps a free or binned chunk"
        case .g3: "every live block still holds the pattern written into it at allocation: every byte (its first and last 8 under check_content: head-tail)"
        case .g4: "the arena's system_mem equals the bytes of its heaps (and is at most max_system_mem); in-use chunks, the chunks of its regular bins, fastbins and tcache entries, and top add up to them less headers and fenceposts; the regular bins hold the free chunks the walk found, the fastbins and tcache entries the fast and tcache chunks it saw in use; the tcache counts stand for the tcache entries"
        case .g5: "every mmapped chunk is page aligned, IS_MMAPPED set, prev_size + size whole pages, and the registry adds up to the model's mmapped bytes"
        }
    }

    public static func < (a: InvariantID, b: InvariantID) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
