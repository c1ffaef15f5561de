import ArenaModel
import Fidelity
import HeapCheck
import Reporting
import Targets

/// Every arena of the model at one moment: what it holds, where its free bytes sit and
/// which chunk in use keeps each heap's top from shrinking, read from a heap dump (the
/// heap checker's walk) with the world stopped.
struct ArenaCensus {
    /// What names a chunk's maker: the trace, its ops' lines, the callers file.
    let source: TraceSource
    let checker = HeapChecker()

    /// The arenas of `set`, the main one first, in order of creation; `slots` says which
    /// op made each block.
    func take(_ set: ArenaSet, slots: SlotTable) -> [ArenaMemory] {
        let views = set.arenas
        let dump = checker.dump(set)
        let origins = slots.originsByChunk
        let tcaches = Set(set.threadCaches.map { $0 &- 16 })
        let mainBase = set.mainHeap.map { UInt(bitPattern: $0.baseAddress!) } ?? 0
        let heapMask = ~UInt(Layout.heapMaxSize - 1)

        var arenas = views.map { view in
            ArenaMemory(arena: view.index, heaps: view.isMain ? 1 : view.heaps.count, heldBytes: view.systemMem,
                        residentBytes: ResidentPages.bytes(regions(of: view, set)), inUseBytes: 0, free: FreeBytes(), topKeepers: [])
        }
        // Spans by the dump's arena (the ring's order, as `views`), then by heap.
        var byHeap: [Int: [Int: [ChunkSpan]]] = [:]
        for span in dump.spans {
            guard let k = span.arena, k < arenas.count else { continue }
            switch span.state {
            case .inUse, .fencepost: arenas[k].inUseBytes += span.size
            case .tcache: arenas[k].free.tcache += span.size
            case .fastbin: arenas[k].free.fastbins += span.size
            case .unsorted: arenas[k].free.unsorted += span.size
            case .smallbin: arenas[k].free.small += span.size
            case .largebin: arenas[k].free.large += span.size
            case .top: arenas[k].free.top += span.size
            case .mmapped: break
            }
            let base = views[k].isMain ? mainBase : span.address & heapMask
            byHeap[k, default: [:]][Int(bitPattern: base), default: []].append(span)
        }
        for (k, heaps) in byHeap {
            let view = views[k]
            for (base, spans) in heaps {
                let heapNumber = view.isMain ? 0 : view.heaps.count - 1 - (view.heaps.firstIndex { $0.address == UInt(bitPattern: base) } ?? 0)
                guard let keeper = topKeeper(spans.sorted { $0.address < $1.address }, base: UInt(bitPattern: base), heap: heapNumber,
                                             origins: origins, tcaches: tcaches) else { continue }
                arenas[k].topKeepers.append(keeper)
            }
            arenas[k].topKeepers.sort { $0.heap < $1.heap }
        }
        return arenas.sorted { $0.arena < $1.arena }
    }

    /// The arena's memory a resident count covers: the main heap, or every heap.
    func regions(of view: ArenaView, _ set: ArenaSet) -> [Range<UInt>] {
        if view.isMain {
            guard let heap = set.mainHeap, let start = heap.baseAddress else { return [] }
            return [UInt(bitPattern: start)..<UInt(bitPattern: start) + UInt(heap.count)]
        }
        return view.heaps.map { $0.address..<$0.address + UInt($0.size) }
    }

    /// The chunk in use nearest below top among a heap's `spans` (in address order).
    private func topKeeper(_ spans: [ChunkSpan], base: UInt, heap: Int, origins: [UInt: Int], tcaches: Set<UInt>) -> TopKeeper? {
        guard let top = spans.lastIndex(where: { $0.state == .top }),
              let below = spans[..<top].lastIndex(where: { $0.state == .inUse }) else { return nil }
        let chunk = spans[below]
        var keeper = TopKeeper(heap: heap, offset: Int(chunk.address &- base), size: chunk.size, topBytes: spans[top].size,
                               owner: tcaches.contains(chunk.address) ? "tcache" : "unknown")
        if let op = origins[chunk.address] {
            keeper.owner = "block"
            keeper.op = op
            keeper.thread = source.trace.events[op].thread
            keeper.line = source.lines?[op]
            keeper.caller = keeper.line.flatMap { source.callers[$0] }
        }
        return keeper
    }
}
