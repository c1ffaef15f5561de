import Glibc

/// A non-main heap: glibc's `heap_info` at the start of a 64 MiB-aligned mapping.
///
/// ```
///   0x00  ar_ptr         the arena owning this heap
///   0x08  prev           the arena's previous heap
///   0x10  size           bytes in use from the heap's start (read-write)
///   0x18  mprotect_size  bytes made read-write so far
///   0x20  pagesize
///   0x28  pad            so that sizeof (heap_info) + 2 * SIZE_SZ is 16-aligned
///   0x30  (chunks; in an arena's first heap its malloc_state comes first)
/// ```
/// Heaps are aligned to their maximum size, so a chunk's heap is its address with
/// the low 26 bits cleared (`heap_for_ptr`), and so its arena (`arena_for_chunk`).
struct Heap {
    let base: UnsafeMutableRawPointer

    static let headerSize = 0x30

    /// `heap_for_ptr`.
    @inline(__always)
    static func of(_ address: UnsafeMutableRawPointer) -> Heap {
        Heap(base: UnsafeMutableRawPointer(bitPattern: Int(bitPattern: address) & ~(Layout.heapMaxSize - 1)).unsafelyUnwrapped)
    }

    var arena: Arena {
        @inline(__always) get { Arena(base.load(as: UnsafeMutableRawPointer.self)) }
        nonmutating set { base.storeBytes(of: newValue.base, as: UnsafeMutableRawPointer.self) }
    }
    var prev: Heap? {
        get { base.load(fromByteOffset: 8, as: UnsafeMutableRawPointer?.self).map { Heap(base: $0) } }
        nonmutating set { base.storeBytes(of: newValue?.base, toByteOffset: 8, as: UnsafeMutableRawPointer?.self) }
    }
    var size: Int {
        get { base.load(fromByteOffset: 0x10, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 0x10, as: Int.self) }
    }
    var mprotectSize: Int {
        get { base.load(fromByteOffset: 0x18, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 0x18, as: Int.self) }
    }
    var pageSize: Int {
        get { base.load(fromByteOffset: 0x20, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 0x20, as: Int.self) }
    }
    var end: UnsafeMutableRawPointer { base + size }

    /// `alloc_new_heap`: a fresh heap of at least `size` bytes (plus `topPad` if it fits),
    /// carved out of a double-size PROT_NONE mapping so that it is aligned to its size.
    /// A `HeapPlacement` set on the model hears of it before its first page is touched;
    /// `previous` is the arena's heap it follows (nil for a new arena's first heap).
    static func create(_ size: Int, topPad: Int, following previous: Heap? = nil, _ g: Globals) -> Heap? {
        let maxSize = Layout.heapMaxSize
        var size = size
        // size_t arithmetic, as in glibc: the padded size wraps, and compares unsigned.
        let padded = UInt(bitPattern: size &+ topPad)
        if padded < UInt(Layout.heapMinSize) {
            size = Layout.heapMinSize
        } else if padded <= UInt(maxSize) {
            size = size &+ topPad
        } else if UInt(bitPattern: size) > UInt(maxSize) {
            return nil
        } else {
            size = maxSize
        }
        size = Layout.alignUp(size, Layout.pageSize)

        var p2: UnsafeMutableRawPointer? = nil
        if let hint = UnsafeMutableRawPointer(bitPattern: g[.alignedHeapArea]) {
            p2 = OSMemory.map(g, maxSize, protection: PROT_NONE, flags: MAP_NORESERVE, at: hint)
            g[.alignedHeapArea] = 0
            if let p = p2, Int(bitPattern: p) & (maxSize - 1) != 0 {
                OSMemory.unmap(g, p, maxSize)
                p2 = nil
            }
        }
        if p2 == nil {
            if let p1 = OSMemory.map(g, maxSize << 1, protection: PROT_NONE, flags: MAP_NORESERVE) {
                let aligned = Layout.alignUp(Int(bitPattern: p1), maxSize)
                let ul = aligned - Int(bitPattern: p1)
                if ul != 0 { OSMemory.unmap(g, p1, ul) } else { g[.alignedHeapArea] = aligned + maxSize }
                OSMemory.unmap(g, UnsafeMutableRawPointer(bitPattern: aligned + maxSize)!, maxSize - ul)
                p2 = UnsafeMutableRawPointer(bitPattern: aligned)
            } else {
                guard let p = OSMemory.map(g, maxSize, protection: PROT_NONE, flags: MAP_NORESERVE) else { return nil }
                guard Int(bitPattern: p) & (maxSize - 1) == 0 else {
                    OSMemory.unmap(g, p, maxSize)
                    return nil
                }
                p2 = p
            }
        }
        guard let p2 else { return nil }
        if let placement = UnsafeRawPointer(bitPattern: g[.heapPlacement]) {
            Unmanaged<HeapPlacement>.fromOpaque(placement).takeUnretainedValue().heapMapped(p2, maxSize, previous?.base)
        }
        guard OSMemory.protect(g, p2, size, PROT_READ | PROT_WRITE) else {
            OSMemory.unmap(g, p2, maxSize)
            return nil
        }
        let h = Heap(base: p2)
        h.size = size
        h.mprotectSize = size
        h.pageSize = Layout.pageSize
        return h
    }

    /// `grow_heap`: extends the heap by `diff` bytes (page-rounded); false past its maximum.
    func grow(_ diff: Int, _ g: Globals) -> Bool {
        // glibc's longs wrap here for a huge diff; the unsigned compare then refuses it.
        let newSize = size &+ Layout.alignUp(diff, pageSize)
        guard UInt(bitPattern: newSize) <= UInt(Layout.heapMaxSize) else { return false }
        if newSize > mprotectSize {
            guard OSMemory.protect(g, base + mprotectSize, newSize - mprotectSize, PROT_READ | PROT_WRITE) else { return false }
            mprotectSize = newSize
        }
        size = newSize
        return true
    }

    /// `shrink_heap`: gives the heap's last `diff` bytes back with MADV_DONTNEED
    /// (glibc's choice unless the kernel forbids overcommit).
    func shrink(_ diff: Int, _ g: Globals) -> Bool {
        let newSize = size - diff
        guard newSize >= Heap.headerSize else { return false }
        OSMemory.adviseDontNeed(g, base + newSize, diff)
        size = newSize
        return true
    }

    /// Unmaps the heap's whole reservation.
    func release(_ g: Globals) {
        if Int(bitPattern: base) + Layout.heapMaxSize == g[.alignedHeapArea] { g[.alignedHeapArea] = 0 }
        OSMemory.unmap(g, base, Layout.heapMaxSize)
    }
}
