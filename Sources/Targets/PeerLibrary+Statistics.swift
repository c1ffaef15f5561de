import Glibc

// Each peer's own account of its memory and its way of giving memory back, through the
// calls it exports: jemalloc's mallctl, mimalloc's mi_process_info and mi_collect,
// gperftools' MallocExtension C interface.
extension PeerLibrary {
    private typealias Mallctl = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int) -> Int32
    private typealias ProcessInfo = @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
                                                    UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?,
                                                    UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> Void
    private typealias Collect = @convention(c) (Bool) -> Void
    private typealias NumericProperty = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<Int>) -> Int32
    private typealias Release = @convention(c) () -> Void

    /// The peer's memory by its own statistics: held from the kernel, in use and
    /// resident. Nil where the library exports no statistics.
    ///
    /// jemalloc: stats.mapped, stats.allocated, stats.resident. tcmalloc: heap_size less
    /// unmapped bytes, current_allocated_bytes; resident is not measured (see
    /// `residentNote`). mimalloc's release build counts committed memory only: it is
    /// given as held, and in use is the same (mimalloc's fragmentation is not measured);
    /// resident is not measured either.
    public func memory() -> TargetMemory? {
        switch peer {
        case .jemalloc:
            guard let mallctl = symbol("mallctl", as: Mallctl.self) else { return nil }
            // Statistics are a snapshot refreshed by writing the epoch.
            var epoch: UInt64 = 1, newEpoch: UInt64 = 1, length = MemoryLayout<UInt64>.size
            _ = mallctl("epoch", &epoch, &length, &newEpoch, length)
            func read(_ name: String) -> Int? {
                var value = 0, size = MemoryLayout<Int>.size
                return mallctl(name, &value, &size, nil, 0) == 0 ? value : nil
            }
            guard let mapped = read("stats.mapped"), let allocated = read("stats.allocated") else { return nil }
            return TargetMemory(heldBytes: mapped, inUseBytes: allocated, residentBytes: read("stats.resident"))
        case .mimalloc:
            guard let info = symbol("mi_process_info", as: ProcessInfo.self) else { return nil }
            var commit = 0
            info(nil, nil, nil, nil, nil, &commit, nil, nil)
            var memory = TargetMemory(heldBytes: commit, inUseBytes: commit)
            memory.residentNote = "mimalloc counts no resident bytes of its own (mi_process_info's current_rss is the whole process's), "
                + "and its mappings cannot be told from the process's others"
            return memory
        case .tcmalloc:
            guard let property = symbol("MallocExtension_GetNumericProperty", as: NumericProperty.self) else { return nil }
            func read(_ name: String) -> Int? {
                var value = 0
                return property(name, &value) != 0 ? value : nil
            }
            guard let heap = read("generic.heap_size"), let allocated = read("generic.current_allocated_bytes") else { return nil }
            let held = heap - (read("tcmalloc.pageheap_unmapped_bytes") ?? 0)
            var memory = TargetMemory(heldBytes: held, inUseBytes: allocated)
            memory.residentNote = "tcmalloc counts no resident bytes (its mapped heap is what is held), "
                + "and its mappings cannot be told from the process's others"
            return memory
        }
    }

    /// Gives free memory back to the kernel the peer's way; true if the call exists.
    public func trim() -> Bool {
        switch peer {
        case .jemalloc:
            // MALLCTL_ARENAS_ALL is 4096: purge every arena's dirty pages.
            guard let mallctl = symbol("mallctl", as: Mallctl.self) else { return false }
            return mallctl("arena.4096.purge", nil, nil, nil, 0) == 0
        case .mimalloc:
            guard let collect = symbol("mi_collect", as: Collect.self) else { return false }
            collect(true)
            return true
        case .tcmalloc:
            guard let release = symbol("MallocExtension_ReleaseFreeMemory", as: Release.self) else { return false }
            release()
            return true
        }
    }
}
