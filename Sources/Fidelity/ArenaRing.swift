/// glibc's arenas and non-main heaps, read from memory laid out as glibc lays it out
/// (the model's is): the ring of malloc_states from the main arena's `next`, each
/// non-main arena's heaps from the one holding its top back along `prev`.
///
/// glibc links a new arena right after the main one, so the ring runs from the newest
/// to the oldest: an arena's number in creation order (the main arena 0) is the ring's
/// length less its position. glibc-replay reads glibc's memory the same way.
public struct ArenaRing {
    /// The main arena's malloc_state.
    public let mainArena: UInt
    static let nextOffset: UInt = 0x870, topOffset: UInt = 0x60, heapMaxSize: UInt = 64 << 20
    /// A ring longer than this is taken as broken (a scenario runs at most 1024 threads).
    static let arenaLimit = 1 << 16

    /// The ring of the arena at `mainArena`.
    public init(mainArena: UInt) { self.mainArena = mainArena }

    private static func word(_ address: UInt) -> UInt { UnsafeRawPointer(bitPattern: address)!.load(as: UInt.self) }

    /// Every non-main arena's malloc_state, oldest first (the main arena is 0: the
    /// arena at index i of this list is arena i + 1).
    public var nonMainArenas: [UInt] {
        var ring: [UInt] = []
        var a = ArenaRing.word(mainArena + ArenaRing.nextOffset)
        while a != mainArena && a != 0 && ring.count < ArenaRing.arenaLimit {
            ring.append(a)
            a = ArenaRing.word(a + ArenaRing.nextOffset)
        }
        return ring.reversed()
    }

    /// The heaps of the non-main arena `arena`, first one first: (address, size).
    public static func heaps(of arena: UInt) -> [(address: UInt, size: Int)] {
        var heaps: [(UInt, Int)] = []
        var h = word(arena + topOffset) & ~(heapMaxSize - 1)
        while h != 0 && heaps.count < arenaLimit {
            heaps.append((h, Int(bitPattern: word(h + 0x10))))
            h = word(h + 8)
        }
        return heaps.reversed()
    }

    /// Where the non-main chunk at `chunk` is: its arena's number, its heap's within the
    /// arena, its offset from that heap. Nil if its heap's arena is not in the ring.
    public func place(chunk: UInt) -> (arena: Int, heap: Int, offset: Int)? {
        let heap = chunk & ~(ArenaRing.heapMaxSize - 1)
        let owner = ArenaRing.word(heap)
        guard let k = nonMainArenas.firstIndex(of: owner) else { return nil }
        var depth = 0
        var h = ArenaRing.word(heap + 8)
        while h != 0 && depth < ArenaRing.arenaLimit {
            depth += 1
            h = ArenaRing.word(h + 8)
        }
        return (k + 1, depth, Int(chunk - heap))
    }

    /// Every non-main heap's size now, by arena (index 0 is arena 1) then heap.
    public var heapSizes: [[Int]] { nonMainArenas.map { ArenaRing.heaps(of: $0).map(\.size) } }

    /// The `heap` results that take `before` to `after` (both `heapSizes`): each heap
    /// whose size changed, or 0 for one that is gone, by arena then heap.
    public static func changes(from before: [[Int]], to after: [[Int]], into results: inout [ReplayResult]) {
        for a in 0..<max(before.count, after.count) {
            let old = a < before.count ? before[a] : [], new = a < after.count ? after[a] : []
            for h in 0..<max(old.count, new.count) {
                let o = h < old.count ? old[h] : 0, n = h < new.count ? new[h] : 0
                if o != n { results.append(.heap(arena: a + 1, heap: h, size: n)) }
            }
        }
    }
}
