import ArenaModel

/// The byte offsets of glibc 2.36's malloc structures on x86_64, as the model lays
/// them out and as the checker reads them from raw memory (malloc_state, heap_info,
/// tcache_perthread_struct, malloc_chunk).
enum GlibcLayout {
    // malloc_state
    static let fastbins: UInt = 0x10
    static let top: UInt = 0x60
    static let bins: UInt = 0x70
    static let binmap: UInt = 0x860
    static let next: UInt = 0x870
    static let systemMem: UInt = 0x888
    static let maxSystemMem: UInt = 0x890
    static let mallocStateSize: UInt = 0x898

    // heap_info
    static let heapArena: UInt = 0x00
    static let heapPrev: UInt = 0x08
    static let heapSize: UInt = 0x10
    static let heapMprotectSize: UInt = 0x18
    static let heapInfoSize: UInt = 0x30

    // tcache_perthread_struct
    static let tcacheEntries: UInt = 0x80
    static let tcacheStructSize: UInt = 0x280

    // malloc_chunk
    static let fd: UInt = 0x10
    static let bk: UInt = 0x18
    static let fdNextSize: UInt = 0x20
    static let bkNextSize: UInt = 0x28
    /// A large chunk's header and four links: what a list walk reads.
    static let linkedChunkSpan = 0x30

    static let heapMaxSize = UInt(Layout.heapMaxSize)
    static let pageSize = UInt(Layout.pageSize)
    static let minSize = UInt(Layout.minSize)
    static let flagBits: UInt = 0x7

    /// `bin_at (av, i)`: a fake chunk whose fd and bk are `bins[2i-2]` and `bins[2i-1]`.
    @inline(__always)
    static func binHeader(_ arena: UInt, _ index: Int) -> UInt { arena &+ bins &+ UInt(index - 1) &* 16 &- 16 }

    /// The first chunk of a non-main heap: after heap_info, and in an arena's first heap
    /// after its malloc_state too, at the first address whose chunk2mem is 16-aligned.
    static func firstChunk(ofHeap heap: UInt, holdsArena: Bool) -> UInt {
        guard holdsArena else { return heap &+ heapInfoSize }
        return alignChunk(heap &+ heapInfoSize &+ mallocStateSize)
    }

    /// The first address at or after `address` whose chunk2mem is 16-aligned.
    static func alignChunk(_ address: UInt) -> UInt { address &+ ((16 &- ((address &+ 16) & 15)) & 15) }

    @inline(__always)
    static func peek(_ address: UInt) -> UInt { UnsafeRawPointer(bitPattern: address).unsafelyUnwrapped.load(as: UInt.self) }
}
