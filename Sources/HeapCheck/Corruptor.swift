import ArenaModel
import Glibc
import Randomness

/// Injects the corruption corpus into a model, as a scenario phase asks for it.
///
/// Each injection sets up what its kind needs with ordinary calls on the given thread
/// (the blocks it keeps go into the given ledger, as a worker's would), writes its
/// bytes, and returns the writes and the call the corruption implies next. Pointers
/// to "foreign" memory lead into a page the corruptor owns, outside every heap; keep
/// the corruptor alive as long as the model may follow them.
public final class Corruptor {
    /// The foreign page(s): fake chunks and pointer holders live here.
    let foreign: UnsafeMutableRawPointer
    static let foreignSize = 0x10000
    var writes: [InjectedWrite] = []
    var random = SplitMix64(seed: 0)
    /// The threads besides the injecting one, during an injection.
    var others: [MallocThread] = []
    private var nextID: UInt64 = 1 << 62

    public init() {
        let p = mmap(nil, Corruptor.foreignSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("arenastress: cannot map the corruptor's page") }
        foreign = p
    }

    deinit { munmap(foreign, Corruptor.foreignSize) }

    /// Injects `kind` through `thread` of `set`; `seed` chooses sizes, offsets and values.
    /// Throws `InjectionSetUpFailure` when the model does not give the blocks the kind's
    /// recipe needs, or the kind needs more threads (`CorruptionKind.minimumThreads`).
    public func inject(_ kind: CorruptionKind, into set: ArenaSet, thread: MallocThread, ledger: inout Ledger, seed: UInt64) throws -> Injection {
        try inject(kind, into: set, threads: [thread], ledger: &ledger, seed: seed)
    }

    /// Injects `kind` through `threads[0]` of `set`; a kind that works across threads
    /// (`CorruptionKind.minimumThreads` 2) takes the other thread from `threads[1]`.
    /// The threads must be distinct and attached to `set`.
    public func inject(_ kind: CorruptionKind, into set: ArenaSet, threads: [MallocThread], ledger: inout Ledger, seed: UInt64) throws -> Injection {
        guard threads.count >= kind.minimumThreads else {
            throw InjectionSetUpFailure(description: "\(kind.rawValue) needs \(kind.minimumThreads) threads, given \(threads.count)")
        }
        writes = []
        random = SplitMix64(seed: seed ^ 0x5EED_C0DE)
        others = Array(threads.dropFirst())
        defer { others = [] }
        foreign.initializeMemory(as: UInt8.self, repeating: 0, count: Corruptor.foreignSize)
        let (summary, followUp) = try run(kind, set, threads[0], &ledger)
        return Injection(kind: kind, summary: summary, writes: writes, followUp: followUp)
    }

    // MARK: helpers for the kinds

    /// Writes `value`'s low `count` bytes at `address`, recording the write.
    func write(_ address: UInt, _ value: UInt, count: Int = 8) {
        let p = UnsafeMutableRawPointer(bitPattern: address)!
        let before = (0..<count).map { p.load(fromByteOffset: $0, as: UInt8.self) }
        let after = (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt(8 * $0)) }
        for (i, byte) in after.enumerated() { p.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        writes.append(InjectedWrite(address: address, before: before, after: after))
    }

    /// Writes `bytes` at `address`, recording the write.
    func write(_ address: UInt, bytes: [UInt8]) {
        let p = UnsafeMutableRawPointer(bitPattern: address)!
        let before = (0..<bytes.count).map { p.load(fromByteOffset: $0, as: UInt8.self) }
        for (i, byte) in bytes.enumerated() { p.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        writes.append(InjectedWrite(address: address, before: before, after: bytes))
    }

    /// An address in the foreign page, 16-aligned.
    func foreignAddress(_ offset: Int) -> UInt { UInt(bitPattern: foreign) + UInt(offset) }

    /// A block of `size` bytes from `thread`.
    func take(_ size: Int, _ thread: MallocThread) throws -> UnsafeMutableRawPointer {
        guard let p = thread.malloc(size) else { throw InjectionSetUpFailure(description: "malloc(\(size)) returned NULL") }
        return p
    }

    /// A block of `size` bytes that the ledger keeps.
    func hold(_ size: Int, _ thread: MallocThread, _ ledger: inout Ledger) throws -> UInt {
        keep(try take(size, thread), size, &ledger)
    }

    /// Gives the ledger a block of `size` bytes to keep.
    @discardableResult
    func keep(_ p: UnsafeMutableRawPointer, _ size: Int, _ ledger: inout Ledger) -> UInt {
        nextID += 1
        ledger.add(p, requestSize: size, id: nextID)
        return UInt(bitPattern: p)
    }

    /// `count` blocks of `size` bytes whose chunks are exactly the size `size` asks for,
    /// so that freed they go to that size's tcache bin. malloc may hand out a larger
    /// chunk (a remainder too small to split off stays with it): such blocks are kept
    /// by the ledger and others taken; after 256 of them the arena's bins are emptied,
    /// and top gives chunks of exactly the size asked for.
    func blocksOfExactlyTheirSize(_ size: Int, count: Int, _ set: ArenaSet, _ thread: MallocThread,
                                  _ ledger: inout Ledger) throws -> [UnsafeMutableRawPointer] {
        let chunk = UInt(bitPattern: Layout.requestToSize(size))
        var blocks: [UnsafeMutableRawPointer] = [], misfits = 0
        while blocks.count < count {
            if misfits == 256 { try drainArena(set, thread, &ledger) }
            if misfits == 512 { throw InjectionSetUpFailure(description: "no \(count) chunks of exactly \(chunk) bytes in \(misfits + blocks.count) tries") }
            let p = try take(size, thread)
            if Self.chunkSize(UInt(bitPattern: p) - 16) == chunk { blocks.append(p) } else { keep(p, size, &ledger); misfits += 1 }
        }
        return blocks
    }

    /// Empties the tcache bin that serves `size`, so that it stays empty while the recipe
    /// takes its blocks: the arena's bins first (a request served from a fastbin or a
    /// small bin moves that bin's other chunks into the tcache), then up to tcache_count
    /// blocks taken and held. The thread's requests then come from top.
    func drainTcacheBin(_ size: Int, _ set: ArenaSet, _ thread: MallocThread, _ ledger: inout Ledger) throws {
        try drainArena(set, thread, &ledger)
        for _ in 0..<set.parameters.tcacheCount { _ = try hold(size, thread, &ledger) }
    }

    /// Fills the tcache bin that serves `size`: tcache_count blocks taken and freed.
    func fillTcacheBin(_ size: Int, _ set: ArenaSet, _ thread: MallocThread, _ ledger: inout Ledger) throws {
        let blocks = try blocksOfExactlyTheirSize(size, count: set.parameters.tcacheCount, set, thread, &ledger)
        blocks.forEach(thread.free)
    }

    /// Throws unless the model has a tcache (`tcache_count` above 0).
    func requireTcache(_ set: ArenaSet) throws {
        guard set.parameters.tcacheCount > 0 && set.parameters.tcacheBins > 0 else {
            throw InjectionSetUpFailure(description: "the tcache is off (tcache_count 0)")
        }
    }

    /// Throws unless the model has fastbins (`mxfast` above 0).
    func requireFastbins(_ set: ArenaSet) throws {
        guard set.parameters.maxFastChunkSize >= Layout.minSize else {
            throw InjectionSetUpFailure(description: "the fastbins are off (mxfast 0)")
        }
    }

    /// Frees a block the ledger holds.
    func release(_ mem: UInt, _ thread: MallocThread, _ ledger: inout Ledger) {
        let p = UnsafeMutableRawPointer(bitPattern: mem)!
        ledger.remove(p)
        thread.free(p)
    }

    /// The chunk size at `chunk`, flags cleared.
    static func chunkSize(_ chunk: UInt) -> UInt { GlibcLayout.peek(chunk &+ 8) & ~GlibcLayout.flagBits }

    /// The malloc_state of the arena a chunk of the thread belongs to (heap_info's
    /// ar_ptr for a non-main chunk).
    static func arena(of chunk: UInt, _ set: ArenaSet) -> UInt {
        GlibcLayout.peek(chunk &+ 8) & 4 == 0 ? set.mainArenaAddress : GlibcLayout.peek(chunk & ~(GlibcLayout.heapMaxSize - 1))
    }

    /// The tcache_perthread_struct whose bin `bin` starts with `mem`.
    static func tcache(holding mem: UInt, bin: Int, _ set: ArenaSet) -> UInt? {
        set.threadCaches.first { GlibcLayout.peek($0 &+ GlibcLayout.tcacheEntries &+ UInt(bin) &* 8) == mem }
    }
}

/// Why an injection could not be set up: the model would not give the blocks its recipe
/// needs (a NULL, or no chunks side by side), or lacks what the kind works on (a
/// tcache, fastbins).
public struct InjectionSetUpFailure: Error, CustomStringConvertible {
    public let description: String
}
