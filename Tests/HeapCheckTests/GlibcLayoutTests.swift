import ArenaModel
@testable import HeapCheck
import Testing

/// The offsets the checker reads agree with the model's own views of the same state.
@Suite struct GlibcLayoutTests {
    @Test func theCheckersOffsetsAreTheModels() {
        let set = ArenaSet()
        _ = set.attachThread().malloc(100)
        let second = set.attachThread()
        _ = second.malloc(100)
        for arena in set.arenas {
            #expect(GlibcLayout.peek(arena.address + GlibcLayout.top) == arena.top)
            #expect(GlibcLayout.peek(arena.address + GlibcLayout.systemMem) == UInt(arena.systemMem))
            #expect(GlibcLayout.peek(arena.address + GlibcLayout.maxSystemMem) == UInt(arena.maxSystemMem))
            for bin in 1..<Layout.binCount { #expect(GlibcLayout.binHeader(arena.address, bin) == arena.binHeader(bin)) }
            for heap in arena.heaps {
                #expect(GlibcLayout.peek(heap.address + GlibcLayout.heapSize) == UInt(heap.size))
                #expect(GlibcLayout.peek(heap.address + GlibcLayout.heapMprotectSize) == UInt(heap.mprotectSize))
                #expect(GlibcLayout.peek(heap.address + GlibcLayout.heapArena) == heap.arena)
            }
        }
        #expect(set.arenas[0].address == set.mainArenaAddress)
        #expect(GlibcLayout.peek(set.mainArenaAddress + GlibcLayout.next) == set.arenas[1].address)
        #expect(set.threadCaches.contains(second.tcacheAddress!))
        // The first chunk of a non-main arena's first heap is its tcache struct's chunk.
        let heap = set.arenas[1].heaps.last!
        #expect(GlibcLayout.firstChunk(ofHeap: heap.address, holdsArena: true) == second.tcacheAddress! - 16)
    }
}
