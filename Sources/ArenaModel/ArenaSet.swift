import Contention
import Glibc
import Synchronization

/// How threads are spread over arenas.
public enum ArenaPolicy: Int, Sendable, Codable, CaseIterable {
    /// glibc's `arena_get` rules: new arenas up to the limit, then reuse.
    case glibc
    /// An arena of its own for every thread, whatever the limit.
    case perThread
    /// Every thread on the main arena.
    case shared
}

/// A whole modelled malloc: glibc 2.36's allocator state for one simulated process,
/// on memory the model maps itself (never on this process's own malloc heap).
///
/// It owns the main arena (whose heap grows like the program break), every non-main
/// arena and heap, every mmapped chunk, and the threads attached to it; `deinit`
/// gives all of it back to the kernel.
public final class ArenaSet: @unchecked Sendable {
    /// The tunables this set was made with.
    public let tunables: Tunables
    /// How threads are spread over arenas.
    public let policy: ArenaPolicy
    let g: Globals
    /// The model's static data: glibc's globals, then the main arena's malloc_state.
    private let staticData: UnsafeMutableRawPointer
    private static let staticDataSize = Layout.alignUp(Globals.byteCount + Arena.byteCount + 64, Layout.pageSize)
    /// The attached threads: their blocks' addresses, with their lock recordings.
    let threads = Locked<[UInt: LockRecording]>([:])
    /// The lock uses of threads that have been detached.
    let retiredLockUses = Locked<[[Int: LockUse]]>([])
    private let attachedEver = Atomic<Int>(0)
    /// The lock recording of calls made on the set itself (trim, mallinfo2).
    private let setRecording = LockRecording(id: Int.max)

    /// Told of every new non-main heap before its first page is touched (to bind its
    /// memory to a NUMA node). Set it before the first malloc; nil by default.
    public var heapPlacement: HeapPlacement? {
        didSet { g[.heapPlacement] = Int(bitPattern: heapPlacement.map { Unmanaged.passUnretained($0).toOpaque() }) }
    }

    /// A fresh allocator, as in a process that has not called malloc yet.
    public init(tunables: Tunables = Tunables(), policy: ArenaPolicy = .glibc) {
        self.tunables = tunables
        self.policy = policy
        let raw = mmap(nil, ArenaSet.staticDataSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { fatalError("arenastress: cannot map the model's static data") }
        staticData = raw
        g = Globals(base: raw)
        let main = Arena(raw + Layout.alignUp(Globals.byteCount, 64))
        g[.mainArena] = Int(bitPattern: main.base)
        g[.arenaPolicy] = policy.rawValue
        main.initState(isMain: true)
        main.next = main
        main.attachedThreads = 1
        g[.narenas] = 1

        // ptmalloc_init, then the tunables glibc's callbacks apply when they are set.
        g[.topPad] = tunables.topPad
        g[.nMmapsMax] = tunables.mmapMax
        g[.arenaTest] = tunables.arenaTest
        g[.arenaMax] = tunables.arenaMax
        g[.mmapThreshold] = Tunables.defaultMmapThreshold
        g[.trimThreshold] = Tunables.defaultMmapThreshold
        if let m = tunables.mmapThreshold, m <= Layout.heapMaxSize / 2 {
            g[.mmapThreshold] = m
            g[.noDynThreshold] = 1
        }
        if let t = tunables.trimThreshold {
            g[.trimThreshold] = t
            g[.noDynThreshold] = 1
        }
        if tunables.topPad != Tunables().topPad { g[.noDynThreshold] = 1 }
        g[.tcacheCount] = min(max(tunables.tcacheCount, 0), Int(UInt16.max))
        if tunables.tcacheMax <= Layout.maxTcacheSize && tunables.tcacheMax >= 0 {
            g[.tcacheMaxBytes] = tunables.tcacheMax
            g[.tcacheBins] = Layout.tcacheIndex(chunkSize: Layout.requestToSize(tunables.tcacheMax)) + 1
        } else {
            g[.tcacheMaxBytes] = Layout.maxTcacheSize
            g[.tcacheBins] = Layout.tcacheBinCount
        }
        let mxfast = tunables.mxfast >= 0 && tunables.mxfast <= Layout.maxFastSize ? tunables.mxfast : Tunables().mxfast
        g[.globalMaxFast] = Layout.maxFastChunkSize(forRequest: mxfast)
        g[.perturbByte] = tunables.perturb & 0xff
        // arena_get2's CPU count: glibc-2.36 as tagged asks __get_nprocs_sched (the
        // affinity mask), but the 2.36 branch that distributions build (commit 8e99cc76a2,
        // BZ 30945; Debian's 2.36-9+deb12u*) asks __get_nprocs, the CPUs online, which is
        // what sysconf answers: a process pinned with taskset gets as many arenas.
        g[.cores] = tunables.cores ?? sysconf(Int32(_SC_NPROCESSORS_ONLN))
        var key = 0
        while key == 0 { key = Int.random(in: Int.min...Int.max) }
        g[.tcacheKey] = key
    }

    deinit {
        let main = g.mainArena
        var heaps: [UnsafeMutableRawPointer] = []
        var a = main.next
        while a != main {
            var heap: Heap? = Heap.of(a.top.address)
            while let h = heap {
                heaps.append(h.base)
                heap = h.prev
            }
            a = a.next
        }
        for h in heaps { munmap(h, Layout.heapMaxSize) }
        let registry = MmapRegistry(g: g)
        for (start, length) in registry.mappings { munmap(start, length) }
        registry.destroy()
        if let start = UnsafeMutableRawPointer(bitPattern: g[.brkReserveStart]) {
            munmap(start, g[.brkReserveEnd] - g[.brkReserveStart])
        }
        threads.withLock { blocks in
            for block in blocks.keys { UnsafeMutableRawPointer(bitPattern: block)?.deallocate() }
        }
        munmap(staticData, ArenaSet.staticDataSize)
    }

    /// A new thread of the modelled process. The first one attached is its main thread,
    /// bound to the main arena; later ones choose an arena at their first malloc by
    /// glibc's rules, and from then on the model takes the multi-threaded paths.
    public func attachThread() -> MallocThread {
        let block = UnsafeMutableRawPointer.allocate(byteCount: MallocThread.byteCount, alignment: 64)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: MallocThread.byteCount)
        let number = attachedEver.add(1, ordering: .relaxed).newValue
        let recording = LockRecording(id: number)
        block.storeBytes(of: recording.recorder.base, toByteOffset: 24, as: UnsafeMutableRawPointer.self)
        let t = MallocThread(g: g, state: block)
        if number > 1 { g[.multiThreaded] = 1 }
        if number == 1 || policy == .shared {
            let freeListLock = g.plainLock(.freeListLock)
            freeListLock.lock()
            if number > 1 { g.mainArena.attachedThreads += 1 }
            freeListLock.unlock()
            t.arena = g.mainArena
        }
        threads.withLock { $0[UInt(bitPattern: block)] = recording }
        return t
    }

    /// The thread exits: its tcache is emptied into the arenas, and its arena goes on the
    /// free list if no other thread uses it. `thread` must not be used afterwards.
    public func detach(_ thread: MallocThread) {
        if !g.aborted { thread.threadFreeres() }
        let recording = threads.withLock { $0.removeValue(forKey: UInt(bitPattern: thread.state)) }
        if let recording { retiredLockUses.withLock { $0.append(recording.uses()) } }
        thread.state.deallocate()
    }

    /// Requests made to the kernel so far.
    public var osCounters: OSCounters { OSCounters(g) }

    /// The runtime checks that failed, oldest first. After the first, the model stops:
    /// every call returns nil or does nothing, as glibc would have aborted.
    public var violations: [Violation] { g.violations }

    /// `mallinfo2`, over every arena.
    public var mallinfo2: MallInfo2 {
        var m = MallInfo2()
        let r = setRecording.recorder
        forEachArena { a in a.mutex(g).lock(r); a.addInfo(to: &m, g); a.mutex(g).unlock(r) }
        return m
    }

    /// `malloc_trim (pad)`: every arena consolidated and its free pages given back.
    /// True if any memory was released.
    @discardableResult
    public func trim(_ pad: Int = 0) -> Bool {
        if g.aborted { return false }
        var released = false
        forEachArena { a in
            a.mutex(g).lock(setRecording.recorder)
            if a.trim(pad, g) { released = true }
            a.mutex(g).unlock(setRecording.recorder)
        }
        return released
    }

    /// The main arena's heap: from the first byte the break gave to the current break.
    public var mainHeap: UnsafeMutableRawBufferPointer? {
        guard let start = UnsafeMutableRawPointer(bitPattern: g[.sbrkBase]) else { return nil }
        return UnsafeMutableRawBufferPointer(start: start, count: g[.brkCurrent] - g[.sbrkBase])
    }

    /// The number of arenas, the main one included.
    public var arenaCount: Int { g[.narenas] }

    /// The current mmap threshold (it moves unless fixed by a tunable).
    public var mmapThreshold: Int { g[.mmapThreshold] }

    /// `arena_max`'s effective limit once computed, else 0.
    public var arenaLimit: Int { g[.narenasLimit] }

    func forEachArena(_ body: (Arena) -> Void) {
        let main = g.mainArena
        var a = main
        repeat {
            body(a)
            a = a.next
        } while a != main
    }
}
