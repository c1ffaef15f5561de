import Contention

/// One thread's view of the model: its tcache, its arena (`thread_arena`), its
/// counters, and glibc's public entry points (`__libc_malloc`, `__libc_free`, ...).
///
/// A `MallocThread` is one raw pointer, its block, as glibc's thread state is one TLS
/// base: a caller keeps it in one register. It is valid while the `ArenaSet`
/// that attached it is alive and until `ArenaSet.detach(_:)`; it must be used by one
/// thread at a time, as glibc's thread-local state is.
public struct MallocThread: @unchecked Sendable {
    /// The thread's block: tcache, thread_arena, tcache_shutting_down, the lock recorder,
    /// the model's globals, counters.
    let state: UnsafeMutableRawPointer

    /// A thread of the model whose globals are `g`, in the zeroed block `state`.
    init(g: Globals, state: UnsafeMutableRawPointer) {
        state.storeBytes(of: g.base, toByteOffset: MallocThread.globalsOffset, as: UnsafeMutableRawPointer.self)
        self.state = state
    }

    /// The thread attached in `state`.
    init(state: UnsafeMutableRawPointer) { self.state = state }

    /// The model's globals (mp_, main_arena, ...).
    var g: Globals {
        @inline(__always) get { Globals(base: state.load(fromByteOffset: MallocThread.globalsOffset, as: UnsafeMutableRawPointer.self)) }
    }

    static let globalsOffset = 32
    static let countersOffset = 64
    static let byteCount = countersOffset + Counter.allCases.count * 8

    /// `tcache`: nil before the first malloc and after shutdown.
    var tcache: TCache? {
        @inline(__always) get { state.load(as: UnsafeMutableRawPointer?.self).map { TCache(base: $0) } }
        @inline(__always) nonmutating set { state.storeBytes(of: newValue?.base, as: UnsafeMutableRawPointer?.self) }
    }
    /// `thread_arena`.
    var arena: Arena? {
        @inline(__always) get { state.load(fromByteOffset: 8, as: UnsafeMutableRawPointer?.self).map { Arena($0) } }
        nonmutating set { state.storeBytes(of: newValue?.base, toByteOffset: 8, as: UnsafeMutableRawPointer?.self) }
    }
    /// The thread's lock recorder.
    var recorder: LockRecorder {
        @inline(__always) get { LockRecorder(base: state.load(fromByteOffset: 24, as: UnsafeMutableRawPointer.self)) }
    }

    /// `tcache_shutting_down`.
    var tcacheShuttingDown: Bool {
        get { state.load(fromByteOffset: 16, as: Bool.self) }
        nonmutating set { state.storeBytes(of: newValue, toByteOffset: 16, as: Bool.self) }
    }

    @inline(__always)
    func count(_ counter: Counter) {
        let offset = MallocThread.countersOffset &+ counter.rawValue &* 8
        state.storeBytes(of: state.load(fromByteOffset: offset, as: Int.self) &+ 1, toByteOffset: offset, as: Int.self)
    }

    /// The thread's number in its set: 1 for the first attached, then in order.
    public var number: Int { recorder.id }

    /// This thread's counters so far.
    public var counters: ThreadCounters {
        ThreadCounters(values: Counter.allCases.map { state.load(fromByteOffset: MallocThread.countersOffset + $0.rawValue * 8, as: Int.self) })
    }

    /// `MAYBE_INIT_TCACHE`.
    @inline(__always)
    private func currentTcache() -> TCache? {
        if let tc = tcache { return tc }
        return tcacheInit()
    }

    /// `malloc`: a block of at least `bytes`, 16-byte aligned, or nil.
    public func malloc(_ bytes: Int) -> UnsafeMutableRawPointer? {
        count(.malloc)
        // The tcache hit, glibc's fast path, inline; anything else takes the whole path.
        // A refused request (tbytes 0) has an index past every tcache bin.
        let tbytes = Layout.checkedRequestToSize(bytes)
        let tcIdx = Layout.tcacheIndex(chunkSize: tbytes)
        if let tc = tcache, tcIdx < g[.tcacheBins], tc.count(tcIdx) > 0, !g.aborted {
            count(.tcacheHit)
            return tcacheGet(tcIdx, tc)
        }
        return mallocSlowPath(bytes)
    }

    /// `__libc_malloc` past a tcache that had nothing for the request.
    @inline(never)
    private func mallocSlowPath(_ bytes: Int) -> UnsafeMutableRawPointer? {
        if g.aborted || Layout.checkedRequestToSize(bytes) == 0 { return nil }
        // A tcache made now starts empty, so it cannot serve this request; only a thread
        // left without one can have stopped the model making it.
        if currentTcache() == nil && g.aborted { return nil }
        if !g.multiThreaded { return g.mainArena.intMalloc(bytes, self) }
        return withArena(bytes) { av, t in av.intMalloc(bytes, t) }
    }

    /// `free`: gives back a block from `malloc`, `calloc`, `realloc` or `memalign`.
    public func free(_ mem: UnsafeMutableRawPointer?) {
        guard let mem else { return }
        count(.free)
        let p = Chunk(mem: mem)
        if p.isMmapped || tcache == nil || g.aborted { return freeSlowPath(p) }
        Arena.of(p, main: g.mainArena).intFree(p, haveLock: false, self)
    }

    /// `__libc_free` for a mapped chunk, a thread without a tcache, or a stopped model.
    @inline(never)
    private func freeSlowPath(_ p: Chunk) {
        if g.aborted { return }
        if p.isMmapped {
            // Freeing a mapped chunk raises the dynamic threshold to its size.
            if g[.noDynThreshold] == 0 && p.head > g[.mmapThreshold] && p.head <= Layout.mmapThresholdMax {
                g[.mmapThreshold] = p.size
                g[.trimThreshold] = 2 * p.size
            }
            munmapChunk(p)
            return
        }
        _ = currentTcache()
        if g.aborted { return }
        Arena.of(p, main: g.mainArena).intFree(p, haveLock: false, self)
    }

    /// `calloc`: `count * size` zeroed bytes, or nil if the product is above PTRDIFF_MAX.
    /// Both are size_t bit patterns (a negative Int is 2^63 or more): `calloc (SIZE_MAX, 0)`
    /// is `calloc (0, 0)`, as in glibc. Like glibc 2.36, it never takes a chunk from the tcache.
    public func calloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        self.count(.calloc)
        if g.aborted { return nil }
        // glibc's __builtin_mul_overflow into a ptrdiff_t: the exact product must fit an Int.
        let (high, low) = UInt(bitPattern: count).multipliedFullWidth(by: UInt(bitPattern: size))
        if high != 0 || low > UInt(Int.max) { return nil }
        let bytes = Int(bitPattern: low)
        _ = currentTcache()
        if g.aborted { return nil }
        let av = g.multiThreaded ? arenaGet(bytes) : g.mainArena
        // Memory fresh from the kernel is already zero: glibc clears only what was used.
        let oldTop = av.top
        var oldTopSize = oldTop.size
        if av == g.mainArena {
            let fresh = g[.sbrkBase] + av.maxSystemMem - Int(bitPattern: oldTop.address)
            if oldTopSize < fresh { oldTopSize = fresh }
        } else {
            let heap = Heap.of(oldTop.address)
            let fresh = heap.base + heap.mprotectSize - oldTop.address
            if oldTopSize < fresh { oldTopSize = fresh }
        }
        var arena = av
        var mem = av.intMalloc(bytes, self)
        if g.multiThreaded {
            if mem == nil && !g.aborted {
                arena = arenaGetRetry(av, bytes)
                mem = arena.intMalloc(bytes, self)
            }
            unlock(arena)
        }
        guard let mem else { return nil }
        let p = Chunk(mem: mem)
        if p.isMmapped {
            if g[.perturbByte] != 0 { mem.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
            return mem
        }
        var csz = p.size
        if g[.perturbByte] == 0 && p == oldTop && csz > oldTopSize { csz = oldTopSize }
        mem.initializeMemory(as: UInt8.self, repeating: 0, count: csz - Layout.sizeSize)
        return mem
    }

    /// `realloc`: the block resized, in place where glibc manages it; `realloc(p, 0)`
    /// frees and returns nil; `realloc(nil, n)` is `malloc(n)`.
    public func realloc(_ oldMem: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        count(.realloc)
        if g.aborted { return nil }
        guard let oldMem else { return malloc(bytes) }
        if bytes == 0 {
            free(oldMem)
            return nil
        }
        let oldp = Chunk(mem: oldMem)
        let oldSize = oldp.size
        if !oldp.isMmapped {
            _ = currentTcache()
            if g.aborted { return nil }
        }
        if UInt(bitPattern: oldp.address) > UInt(bitPattern: 0 &- oldSize) || oldp.isMisaligned {
            g.report(.reallocInvalidPointer, oldp)
            return nil
        }
        let nb = Layout.checkedRequestToSize(bytes)
        if nb == 0 { return nil }

        if oldp.isMmapped {
            if let moved = mremapChunk(oldp, nb) { return moved.mem }
            if g.aborted { return nil }
            if UInt(bitPattern: oldSize - Layout.sizeSize) >= UInt(bitPattern: nb) { return oldMem }
            guard let newMem = malloc(bytes) else { return nil }
            newMem.copyMemory(from: oldMem, byteCount: oldSize - Layout.chunkHeaderSize)
            munmapChunk(oldp)
            return newMem
        }

        let av = Arena.of(oldp, main: g.mainArena)
        if !g.multiThreaded { return av.intRealloc(oldp, oldSize, nb, self) }
        av.lock(self)
        let newp = av.intRealloc(oldp, oldSize, nb, self)
        av.unlock(self)
        if newp == nil && !g.aborted, let newMem = malloc(bytes) {
            newMem.copyMemory(from: oldMem, byteCount: oldp.size - Layout.sizeSize)
            av.intFree(oldp, haveLock: false, self)
            return newMem
        }
        return newp
    }

    /// `memalign` (and `aligned_alloc`): `bytes` at a multiple of `alignment`, which is
    /// raised to a power of two as glibc does. Both are size_t bit patterns: an alignment
    /// above 2^63 (a negative Int other than `Int.min`) is EINVAL, nil.
    public func memalign(_ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        count(.memalign)
        if g.aborted { return nil }
        var a = UInt(bitPattern: alignment)
        if a <= UInt(Layout.alignment) { return malloc(bytes) }
        if a < UInt(Layout.minSize) { a = UInt(Layout.minSize) }
        if a > UInt.max / 2 + 1 { return nil }
        if a & (a - 1) != 0 {
            var p = UInt(Layout.alignment * 2)
            while p < a { p <<= 1 }
            a = p
        }
        let alignment = Int(bitPattern: a)
        if !g.multiThreaded { return g.mainArena.intMemalign(alignment, bytes, self) }
        // glibc sizes a new arena for the padded request, but retries with `bytes`.
        return withArena(bytes &+ alignment &+ Layout.minSize, retry: bytes) { av, t in av.intMemalign(alignment, bytes, t) }
    }

    /// `aligned_alloc`: glibc's is `memalign` under another name.
    public func alignedAlloc(_ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? { memalign(alignment, bytes) }

    /// `posix_memalign`: 0 and the block, or EINVAL for an alignment that is not a
    /// power-of-two multiple of the pointer size, or ENOMEM. The alignment is a size_t:
    /// 2^63 (`Int.min`) is a valid one, which no request can meet.
    public func posixMemalign(_ alignment: Int, _ bytes: Int) -> (status: Int32, pointer: UnsafeMutableRawPointer?) {
        let words = UInt(bitPattern: alignment) / 8
        if alignment % 8 != 0 || words == 0 || words & (words - 1) != 0 { return (22, nil) }
        guard let p = memalign(alignment, bytes) else { return (12, nil) }
        return (0, p)
    }

    /// `malloc_usable_size`.
    public func usableSize(_ mem: UnsafeMutableRawPointer?) -> Int {
        guard let mem else { return 0 }
        let p = Chunk(mem: mem)
        if p.isMmapped { return p.size - Layout.chunkHeaderSize }
        return p.inUse ? p.size - Layout.sizeSize : 0
    }

    /// Runs `body` on the arena `arena_get` picks for `bytes`, retrying once on another
    /// arena (picked for `retryBytes`, else `bytes`) as glibc does when the first is out
    /// of memory.
    @inline(__always)
    private func withArena(_ bytes: Int, retry retryBytes: Int? = nil,
                           _ body: (Arena, MallocThread) -> UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        var av = arenaGet(bytes)
        var victim = body(av, self)
        if victim == nil && !g.aborted {
            av = arenaGetRetry(av, retryBytes ?? bytes)
            victim = body(av, self)
        }
        unlock(av)
        return victim
    }

    /// `alloc_perturb`.
    @inline(__always)
    func allocPerturb(_ p: UnsafeMutableRawPointer, _ n: Int) -> UnsafeMutableRawPointer {
        let byte = g[.perturbByte]
        if byte != 0 { p.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: byte ^ 0xff), count: n) }
        return p
    }

    /// `free_perturb`.
    @inline(__always)
    func freePerturb(_ p: UnsafeMutableRawPointer, _ n: Int) {
        let byte = g[.perturbByte]
        if byte != 0 { p.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: byte), count: n) }
    }
}
