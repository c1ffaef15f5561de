import ArenaModel

/// One heap as the checker found it: where its chunks start and where it ends.
struct HeapExtent {
    /// The owning arena's index in `ModelMap.arenas`.
    let arena: Int
    /// heap_info for a non-main heap, the break's start for the main heap.
    let base: UInt
    let firstChunk: UInt
    let end: UInt
    /// True for the heap that holds (or should hold) its arena's top.
    let isCurrent: Bool
    /// Where this heap's chunk marks start in the mark bitmap, in 64-bit words.
    var markWords = 0

    /// 64-bit words of marks: two bits per 16-byte granule from `firstChunk` to `end`.
    var markWordCount: Int { Int((end &- firstChunk) >> 4 + 31) / 32 }
}

/// One arena as the checker found it.
struct ArenaExtent {
    /// The malloc_state's address.
    let address: UInt
    let isMain: Bool
    let top: UInt
    let systemMem: UInt
    let maxSystemMem: UInt
    /// Its heaps' indices in `ModelMap.heaps`, the first heap first.
    var heaps: [Int] = []
}

/// The model's memory as far as the checker may read it: every arena, every heap,
/// found from the trusted anchors (the main arena's address, the break) by following
/// only pointers that were validated first.
struct ModelMap {
    let mainArena: UInt
    var arenas: [ArenaExtent] = []
    var heaps: [HeapExtent] = []
    /// Heap indices ordered by address, for lookups.
    private(set) var heapsByAddress: [Int] = []

    /// The heap whose chunk area holds `address..<address + span`, if any.
    func heap(containing address: UInt, span: UInt) -> Int? {
        var low = 0, high = heapsByAddress.count
        while low < high {
            let mid = (low + high) / 2
            if heaps[heapsByAddress[mid]].end <= address { low = mid + 1 } else { high = mid }
        }
        guard low < heapsByAddress.count else { return nil }
        let h = heaps[heapsByAddress[low]]
        guard address >= h.firstChunk, address <= h.end, h.end &- address >= span else { return nil }
        return heapsByAddress[low]
    }

    /// True if `address..<address + span` lies in a heap (its header included) or in
    /// the main arena's malloc_state.
    func isReadable(_ address: UInt, span: UInt) -> Bool {
        if address >= mainArena && address <= mainArena &+ GlibcLayout.mallocStateSize
            && mainArena &+ GlibcLayout.mallocStateSize &- address >= span { return true }
        for h in heaps where address >= h.base && address <= h.end && h.end &- address >= span { return true }
        return false
    }

    /// Which heap's full extent (header included) holds `address`.
    func heapBase(of address: UInt) -> Int? {
        heaps.indices.first { address >= heaps[$0].base && address < heaps[$0].end }
    }

    /// Finds every arena and heap of `set`, recording what stops the search as W1.
    static func discover(_ set: ArenaSet, probe: MemoryProbe, findings: inout FindingLog) -> ModelMap {
        var map = ModelMap(mainArena: set.mainArenaAddress)
        let main = map.mainArena
        map.arenas.append(ArenaExtent(address: main, isMain: true, top: GlibcLayout.peek(main &+ GlibcLayout.top),
                                      systemMem: GlibcLayout.peek(main &+ GlibcLayout.systemMem),
                                      maxSystemMem: GlibcLayout.peek(main &+ GlibcLayout.maxSystemMem)))
        if let heap = set.mainHeap, let start = heap.baseAddress, heap.count > 0 {
            let base = UInt(bitPattern: start)
            map.heaps.append(HeapExtent(arena: 0, base: base, firstChunk: GlibcLayout.alignChunk(base),
                                        end: base + UInt(heap.count), isCurrent: true))
            map.arenas[0].heaps = [0]
        }
        var seen: Set<UInt> = [main]
        var arena = GlibcLayout.peek(main &+ GlibcLayout.next)
        while arena != main {
            guard seen.count <= set.arenaCount, !seen.contains(arena) else {
                findings.add(.w1, arena: 0, message: "the arena ring does not come back to the main arena within \(set.arenaCount) arenas",
                             expected: "0x\(Hex.string(main))", actual: "0x\(Hex.string(arena))")
                break
            }
            let heapOfArena = arena &- GlibcLayout.heapInfoSize
            guard arena & (GlibcLayout.heapMaxSize - 1) == GlibcLayout.heapInfoSize,
                  probe.isReadable(heapOfArena, count: Int(GlibcLayout.heapInfoSize + GlibcLayout.mallocStateSize)),
                  GlibcLayout.peek(heapOfArena) == arena else {
                findings.add(.w1, arena: map.arenas.count - 1, message: "the arena ring leads to 0x\(Hex.string(arena)), which is no arena's malloc_state",
                             expected: "a malloc_state at heap_info + 0x30 whose heap names it", actual: "0x\(Hex.string(arena))")
                break
            }
            seen.insert(arena)
            map.addArena(arena, probe: probe, findings: &findings)
            arena = GlibcLayout.peek(arena &+ GlibcLayout.next)
        }
        map.heapsByAddress = map.heaps.indices.sorted { map.heaps[$0].base < map.heaps[$1].base }
        var words = 0
        for i in map.heaps.indices {
            map.heaps[i].markWords = words
            words += map.heaps[i].markWordCount
        }
        return map
    }

    /// A non-main arena: its heaps from the one holding top back along `prev` to the
    /// first, which holds the malloc_state.
    private mutating func addArena(_ arena: UInt, probe: MemoryProbe, findings: inout FindingLog) {
        let index = arenas.count
        let top = GlibcLayout.peek(arena &+ GlibcLayout.top)
        arenas.append(ArenaExtent(address: arena, isMain: false, top: top,
                                  systemMem: GlibcLayout.peek(arena &+ GlibcLayout.systemMem),
                                  maxSystemMem: GlibcLayout.peek(arena &+ GlibcLayout.maxSystemMem)))
        let firstHeap = arena &- GlibcLayout.heapInfoSize
        var chain: [(base: UInt, size: UInt)] = []
        var heap = top & ~(GlibcLayout.heapMaxSize - 1)
        var current: UInt = 0
        if var size = Self.validHeapSize(heap, arena: arena, probe: probe) {
            current = heap
            while true {
                chain.append((heap, size))
                if heap == firstHeap { break }
                let prev = GlibcLayout.peek(heap &+ GlibcLayout.heapPrev)
                guard chain.count < 1 << 14, !chain.contains(where: { $0.base == prev }),
                      prev & (GlibcLayout.heapMaxSize - 1) == 0,
                      let prevSize = Self.validHeapSize(prev, arena: arena, probe: probe) else {
                    findings.add(.w1, arena: index, chunk: heap, message: "the heap chain breaks at heap 0x\(Hex.string(heap)): its prev names no heap of this arena",
                                 expected: "a heap_info of arena 0x\(Hex.string(arena)) down to 0x\(Hex.string(firstHeap))", actual: "prev 0x\(Hex.string(prev))")
                    break
                }
                heap = prev
                size = prevSize
            }
        } else {
            findings.add(.w1, arena: index, chunk: top, message: "top 0x\(Hex.string(top)) lies in no heap of this arena",
                         expected: "top inside a heap whose heap_info names arena 0x\(Hex.string(arena))", actual: "0x\(Hex.string(top))")
        }
        if !chain.contains(where: { $0.base == firstHeap }), let size = Self.validHeapSize(firstHeap, arena: arena, probe: probe) {
            chain.append((firstHeap, size))
        }
        let firstPrev = GlibcLayout.peek(firstHeap &+ GlibcLayout.heapPrev)
        if chain.contains(where: { $0.base == firstHeap }) && firstPrev != 0 {
            findings.add(.w1, arena: index, chunk: firstHeap, message: "the arena's first heap has a prev heap",
                         expected: "prev 0x0 in heap_info 0x\(Hex.string(firstHeap))", actual: "0x\(Hex.string(firstPrev))")
        }
        for (base, size) in chain.reversed() {
            arenas[index].heaps.append(heaps.count)
            heaps.append(HeapExtent(arena: index, base: base,
                                    firstChunk: GlibcLayout.firstChunk(ofHeap: base, holdsArena: base == firstHeap),
                                    end: base &+ size, isCurrent: base == current))
        }
    }

    /// The size of the heap at `heap` if its heap_info is readable, names `arena`, and
    /// its sizes are sane (page multiples, size <= mprotect_size <= HEAP_MAX_SIZE, the
    /// last byte readable); else nil.
    private static func validHeapSize(_ heap: UInt, arena: UInt, probe: MemoryProbe) -> UInt? {
        guard heap != 0, probe.isReadable(heap, count: Int(GlibcLayout.heapInfoSize)),
              GlibcLayout.peek(heap &+ GlibcLayout.heapArena) == arena else { return nil }
        let size = GlibcLayout.peek(heap &+ GlibcLayout.heapSize)
        let protected = GlibcLayout.peek(heap &+ GlibcLayout.heapMprotectSize)
        let least = GlibcLayout.firstChunk(ofHeap: heap, holdsArena: heap &+ GlibcLayout.heapInfoSize == arena) &- heap &+ 16
        guard size >= least, size <= protected, protected <= GlibcLayout.heapMaxSize, size % GlibcLayout.pageSize == 0,
              probe.isReadable(heap &+ size &- 1, count: 1) else { return nil }
        return size
    }
}
