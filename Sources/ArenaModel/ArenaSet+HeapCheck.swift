/// Trusted anchors for HeapCheck: facts from the model's static data, which no
/// corruption of a heap can change. A checker starts from these and validates
/// everything it reads from heap memory before following it.
extension ArenaSet {
    /// `&main_arena`: the main arena's malloc_state, in the model's static data and
    /// always readable (0x898 bytes).
    public var mainArenaAddress: UInt { UInt(bitPattern: g[.mainArena]) }

    /// `!SINGLE_THREAD_P`: true once a second thread has attached. Until then no other
    /// thread can change an arena between two calls of the one thread.
    public var isMultiThreaded: Bool { g.multiThreaded }
}

extension MallocThread {
    /// This thread's tcache_perthread_struct (the user data of its 0x290 chunk), or nil
    /// before its first malloc and after it is detached.
    public var tcacheAddress: UInt? { tcache.map { UInt(bitPattern: $0.base) } }
}
