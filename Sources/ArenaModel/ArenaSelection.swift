import Atomics
import Contention

/// glibc's `arena_get` family (arena.c): which arena a thread's request goes to.
///
/// A thread keeps the arena it last used (`thread_arena`). A thread without one takes
/// an arena from the free list of arenas no thread uses, else creates a new arena while
/// fewer than the limit exist (arena_max, or 8 x cores once more than arena_test exist),
/// else reuses one round-robin, preferring any whose lock is free right now.
extension MallocThread {
    /// `arena_get`: the thread's arena, locked.
    @inline(__always)
    func arenaGet(_ bytes: Int) -> Arena {
        if let a = arena {
            count(a.lock(self) ? .arenaDirect : .arenaWait)
            return a
        }
        return arenaGet2(bytes, avoiding: nil)
    }

    /// `arena_get_retry`: after an allocation failed in `av`, another arena, locked.
    func arenaGetRetry(_ av: Arena, _ bytes: Int) -> Arena {
        av.unlock(self)
        if av != g.mainArena {
            g.mainArena.lock(self)
            return g.mainArena
        }
        return arenaGet2(bytes, avoiding: av)
    }

    @inline(__always)
    func unlock(_ av: Arena) { av.unlock(self) }

    /// `arena_get2`, under the set's arena policy.
    func arenaGet2(_ bytes: Int, avoiding avoid: Arena?) -> Arena {
        switch ArenaPolicy(rawValue: g[.arenaPolicy]) {
        case .shared:
            g.mainArena.lock(self)
            return g.mainArena
        case .perThread:
            if let a = freeListArena() { return a }
            g.atomic(.narenas).wrappingIncrement(ordering: .relaxed)
            if let a = newArena(bytes) { return a }
            g.atomic(.narenas).wrappingDecrement(ordering: .relaxed)
            return reusedArena(avoiding: avoid)
        default:
            break
        }
        if let a = freeListArena() { return a }
        // glibc computes the limit without a lock; threads racing here agree on its value.
        let narenas = g.atomic(.narenas), limit = g.atomic(.narenasLimit)
        if limit.load(ordering: .relaxed) == 0 {
            if g[.arenaMax] != 0 {
                limit.store(g[.arenaMax], ordering: .relaxed)
            } else if narenas.load(ordering: .relaxed) > g[.arenaTest] {
                limit.store(8 * (g[.cores] >= 1 ? g[.cores] : 2), ordering: .relaxed)
            }
        }
        while true {
            let n = narenas.load(ordering: .relaxed)
            // An unset limit (0) wraps to the largest value, as glibc's unsigned compare does.
            guard UInt(bitPattern: n) <= UInt(bitPattern: limit.load(ordering: .relaxed) &- 1) else { break }
            guard narenas.compareExchange(expected: n, desired: n + 1, ordering: .relaxed).exchanged else { continue }
            if let a = newArena(bytes) { return a }
            narenas.wrappingDecrement(ordering: .relaxed)
            break
        }
        return reusedArena(avoiding: avoid)
    }

    /// `get_free_list`: an arena whose threads have all exited, locked, or nil.
    private func freeListArena() -> Arena? {
        guard g[.freeList] != 0 else { return nil }
        let freeListLock = g.plainLock(.freeListLock)
        let replaced = arena
        freeListLock.lock()
        let result = UnsafeMutableRawPointer(bitPattern: g[.freeList]).map { Arena($0) }
        if let result {
            g[.freeList] = Int(bitPattern: result.nextFree?.base)
            result.attachedThreads = 1
            detach(replaced)
        }
        freeListLock.unlock()
        guard let result else { return nil }
        arena = result
        count(.arenaFromFreeList)
        result.lock(self)
        return result
    }

    /// `_int_new_arena`: a heap whose start holds the new arena's malloc_state, linked
    /// into the ring after the main arena, locked and attached to this thread.
    private func newArena(_ bytes: Int) -> Arena? {
        let header = Heap.headerSize + Arena.byteCount + Layout.alignment
        // `bytes` is the caller's size_t (memalign's is padded, unchecked): it may wrap.
        guard let h = Heap.create(bytes &+ header, topPad: g[.topPad], g)
                ?? Heap.create(header, topPad: g[.topPad], g) else { return nil }
        let a = Arena(h.base + Heap.headerSize)
        h.arena = a
        a.initState(isMain: false)
        a.index = g.atomic(.arenasCreated).loadThenWrappingIncrement(ordering: .relaxed) + 1
        a.attachedThreads = 1
        a.systemMem = h.size
        a.maxSystemMem = h.size
        var ptr = a.base + Arena.byteCount
        let misalign = Int(bitPattern: ptr + Layout.chunkHeaderSize) & Layout.alignMask
        if misalign > 0 { ptr += Layout.alignment - misalign }
        a.top = Chunk(ptr)
        a.top.head = (h.end - ptr) | Layout.prevInUseBit
        let replaced = arena
        arena = a
        let listLock = g.plainLock(.listLock)
        listLock.lock()
        a.next = g.mainArena.next
        g.mainArena.next = a
        listLock.unlock()
        let freeListLock = g.plainLock(.freeListLock)
        freeListLock.lock()
        detach(replaced)
        freeListLock.unlock()
        count(.arenaCreated)
        a.lock(self)
        return a
    }

    /// `reused_arena`: the next arena round-robin whose lock is free, else the next one
    /// (skipping `avoid`) waited for.
    private func reusedArena(avoiding avoid: Arena?) -> Arena {
        // glibc's `next_to_use` is a static read and written without a lock.
        let nextToUse = g.atomic(.reusedArenaNext)
        let start = Arena(UnsafeMutableRawPointer(bitPattern: nextToUse.load(ordering: .relaxed)) ?? g.mainArena.base)
        var result = start
        var locked = false
        repeat {
            if result.tryLock(self) { locked = true; break }
            result = result.next
        } while result != start
        if locked {
            count(.arenaLoop)
        } else {
            if result == avoid { result = result.next }
            result.lock(self)
            count(.arenaWait)
        }
        let replaced = arena
        let freeListLock = g.plainLock(.freeListLock)
        freeListLock.lock()
        detach(replaced)
        removeFromFreeList(result)
        result.attachedThreads += 1
        freeListLock.unlock()
        arena = result
        nextToUse.store(Int(bitPattern: result.next.base), ordering: .relaxed)
        return result
    }
    /// `detach_arena`, under the free-list lock.
    private func detach(_ replaced: Arena?) {
        if let replaced { replaced.attachedThreads -= 1 }
    }

    /// `remove_from_free_list`, under the free-list lock.
    private func removeFromFreeList(_ a: Arena) {
        var previous: Arena? = nil
        var current = UnsafeMutableRawPointer(bitPattern: g[.freeList]).map { Arena($0) }
        while let c = current {
            if c == a {
                if let previous { previous.nextFree = c.nextFree } else { g[.freeList] = Int(bitPattern: c.nextFree?.base) }
                return
            }
            previous = c
            current = c.nextFree
        }
    }

    /// `arena_thread_freeres`: at thread exit, the tcache is emptied and an arena no
    /// longer used by any thread goes on the free list.
    func threadFreeres() {
        tcacheShutdown()
        guard let a = arena else { return }
        arena = nil
        let freeListLock = g.plainLock(.freeListLock)
        freeListLock.lock()
        a.attachedThreads -= 1
        if a.attachedThreads == 0 {
            a.nextFree = UnsafeMutableRawPointer(bitPattern: g[.freeList]).map { Arena($0) }
            g[.freeList] = Int(bitPattern: a.base)
        }
        freeListLock.unlock()
    }
}
