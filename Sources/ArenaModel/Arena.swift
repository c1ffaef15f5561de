import Atomics
import Contention

/// An arena: glibc's `struct malloc_state`, laid out byte for byte as on x86_64.
///
/// ```
///   0x000  mutex (4)  flags (4)  have_fastchunks (4)  pad (4: the model's lock index)
///   0x010  fastbinsY[10]              singly linked, safe-linked, LIFO
///   0x060  top                        the chunk bordering the heap's end
///   0x068  last_remainder             the rest of the last small-request split
///   0x070  bins[254]                  fd/bk heads of bins 1..127
///   0x860  binmap[4]                  one bit per bin: may be non-empty
///   0x870  next, next_free            the arena ring and the free list
///   0x880  attached_threads, system_mem, max_system_mem
///   0x898  (end)
/// ```
/// `bin_at (i)` is a fake chunk placed so that its fd and bk are `bins[2i-2]` and
/// `bins[2i-1]`: the heads of the bins are chunks without storage of their own. The
/// main arena's state is the model's static data; a non-main arena's sits right after
/// its first heap's heap_info, as in glibc, so the first chunk lands where glibc's does.
public struct Arena: Equatable {
    /// The malloc_state's address.
    public let base: UnsafeMutableRawPointer

    @inline(__always)
    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    static let byteCount = 0x898
    static let nonContiguousBit: Int32 = 2

    /// The arena's lock index, kept in the padding after have_fastchunks: 0 for the
    /// main arena, then in order of creation.
    var index: Int {
        @inline(__always) get { Int(base.load(fromByteOffset: 12, as: UInt32.self)) }
        nonmutating set { base.storeBytes(of: UInt32(newValue), toByteOffset: 12, as: UInt32.self) }
    }

    /// The arena's mutex, instrumented: its word is malloc_state's `mutex`.
    @inline(__always)
    func mutex(_ g: Globals) -> InstrumentedLock { InstrumentedLock(word: base, index: index) }

    /// `__libc_lock_lock (av->mutex)` by thread `t`; true if the lock was free.
    @inline(__always) @discardableResult
    func lock(_ t: MallocThread) -> Bool { mutex(t.g).lock(t.recorder) }
    @inline(__always)
    func tryLock(_ t: MallocThread) -> Bool { mutex(t.g).tryLock(t.recorder) }
    @inline(__always)
    func unlock(_ t: MallocThread) { mutex(t.g).unlock(t.recorder) }

    var flags: Int32 {
        @inline(__always) get { base.load(fromByteOffset: 4, as: Int32.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, toByteOffset: 4, as: Int32.self) }
    }
    /// `contiguous (av)`: only the main arena's heap grows in place like sbrk.
    var isContiguous: Bool { @inline(__always) get { flags & Arena.nonContiguousBit == 0 } }

    /// `have_fastchunks`: free sets it without the lock, so it is read and written
    /// atomically (relaxed), as in glibc.
    var haveFastChunks: Bool {
        @inline(__always) get { relaxed32(8).load(ordering: .relaxed) != 0 }
        @inline(__always) nonmutating set { relaxed32(8).store(newValue ? 1 : 0, ordering: .relaxed) }
    }

    @inline(__always)
    private func relaxed32(_ offset: Int) -> UnsafeAtomic<Int32> {
        UnsafeAtomic(at: (base + offset).assumingMemoryBound(to: Int32.AtomicRepresentation.self))
    }
    @inline(__always)
    private func relaxedWord(_ offset: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (base + offset).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }

    /// `&fastbin (av, idx)`: the slot holding a fastbin's first chunk.
    @inline(__always)
    func fastbinSlot(_ index: Int) -> UnsafeMutableRawPointer { base + 0x10 + index * 8 }

    /// `fastbin (av, idx)`.
    @inline(__always)
    func fastbin(_ index: Int) -> Chunk? {
        // Frees push on fastbins without the lock: the head is read atomically.
        UnsafeMutableRawPointer(bitPattern: relaxedWord(0x10 + index * 8).load(ordering: .relaxed)).map { Chunk($0) }
    }
    @inline(__always)
    func setFastbin(_ index: Int, _ chunk: Chunk?) {
        fastbinSlot(index).storeBytes(of: chunk?.address, as: UnsafeMutableRawPointer?.self)
    }

    /// `av->top`.
    var top: Chunk {
        @inline(__always) get { Chunk(base.load(fromByteOffset: 0x60, as: UnsafeMutableRawPointer.self)) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue.address, toByteOffset: 0x60, as: UnsafeMutableRawPointer.self) }
    }
    /// `av->last_remainder`.
    var lastRemainder: Chunk? {
        @inline(__always) get { base.load(fromByteOffset: 0x68, as: UnsafeMutableRawPointer?.self).map { Chunk($0) } }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue?.address, toByteOffset: 0x68, as: UnsafeMutableRawPointer?.self) }
    }

    /// `bin_at (av, i)`.
    @inline(__always)
    func bin(_ index: Int) -> Chunk { Chunk(base + 0x70 + (index - 1) * 16 - 16) }
    /// `unsorted_chunks (av)`, bin 1; also `initial_top (av)`.
    var unsortedBin: Chunk { @inline(__always) get { bin(1) } }

    /// The binmap word `block`.
    @inline(__always)
    func binmapWord(_ block: Int) -> UInt32 { base.load(fromByteOffset: 0x860 + block * 4, as: UInt32.self) }
    @inline(__always)
    func setBinmapWord(_ block: Int, _ value: UInt32) { base.storeBytes(of: value, toByteOffset: 0x860 + block * 4, as: UInt32.self) }
    /// `mark_bin`.
    @inline(__always)
    func markBin(_ index: Int) {
        let block = Layout.binmapBlock(index)
        setBinmapWord(block, binmapWord(block) | Layout.binmapBit(index))
    }

    /// `av->next`: the ring of all arenas, starting and ending at the main arena.
    /// reused_arena walks it without the list lock, so it is published with release
    /// and read with acquire (glibc's atomic_write_barrier).
    var next: Arena {
        get { Arena(UnsafeMutableRawPointer(bitPattern: relaxedWord(0x870).load(ordering: .acquiring)).unsafelyUnwrapped) }
        nonmutating set { relaxedWord(0x870).store(Int(bitPattern: newValue.base), ordering: .releasing) }
    }
    /// `av->next_free`: the list of arenas no thread is attached to.
    var nextFree: Arena? {
        get { base.load(fromByteOffset: 0x878, as: UnsafeMutableRawPointer?.self).map { Arena($0) } }
        nonmutating set { base.storeBytes(of: newValue?.base, toByteOffset: 0x878, as: UnsafeMutableRawPointer?.self) }
    }
    var attachedThreads: Int {
        get { base.load(fromByteOffset: 0x880, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 0x880, as: Int.self) }
    }
    /// `av->system_mem`: bytes this arena holds from the kernel.
    /// `av->system_mem`: bytes this arena holds from the kernel. Free's size checks
    /// read it without the lock, so it is read and written atomically (relaxed).
    var systemMem: Int {
        @inline(__always) get { relaxedWord(0x888).load(ordering: .relaxed) }
        @inline(__always) nonmutating set { relaxedWord(0x888).store(newValue, ordering: .relaxed) }
    }
    var maxSystemMem: Int {
        get { base.load(fromByteOffset: 0x890, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 0x890, as: Int.self) }
    }

    /// `malloc_init_state`: empty circular bins, top at the unsorted bin's head.
    func initState(isMain: Bool) {
        base.initializeMemory(as: UInt8.self, repeating: 0, count: Arena.byteCount)
        for i in 1..<Layout.binCount {
            let b = bin(i)
            b.fd = b
            b.bk = b
        }
        if !isMain { flags |= Arena.nonContiguousBit }
        haveFastChunks = false
        top = unsortedBin
    }

    /// `arena_for_chunk`: the main arena, or the arena named by the chunk's heap_info.
    @inline(__always)
    static func of(_ p: Chunk, main: Arena) -> Arena {
        p.nonMainArena ? Heap.of(p.address).arena : main
    }
}
