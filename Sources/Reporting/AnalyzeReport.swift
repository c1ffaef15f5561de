import Foundation

/// What `arenastress analyze` found: one trace of a program's malloc calls replayed once
/// per configuration on the model, and on the real allocators beside it. What
/// `report.json` holds (keys in snake_case: `peak_held_bytes`, ...).
public struct AnalyzeReport: Sendable, Codable {
    /// Bumped when a field changes meaning.
    public static let currentSchema = 1
    public var schema = AnalyzeReport.currentSchema
    /// The trace file, and the name its report folder takes.
    public var trace: String
    public var name: String
    /// When the analysis started (ISO 8601, UTC).
    public var startedAt: String
    /// The trace's ops and threads.
    public var ops: Int
    public var threads: Int
    /// The callers file read beside the trace, if there was one.
    public var callers: String?
    /// One entry per configuration, in the order asked.
    public var configurations: [AnalyzedConfiguration]

    public init(trace: String, name: String, startedAt: Date, ops: Int, threads: Int, callers: String?,
                configurations: [AnalyzedConfiguration]) {
        self.trace = trace
        self.name = name
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.ops = ops
        self.threads = threads
        self.callers = callers
        self.configurations = configurations
    }

    /// The report as pretty-printed JSON, sorted snake_case keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// A report read back from `json()`'s output.
    public static func decode(_ data: Data) throws -> AnalyzeReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(AnalyzeReport.self, from: data)
    }
}

/// The trace under one configuration (a set of malloc tunables): the model's figures,
/// where its memory stays at the peak and at the end, and the real allocators' figures.
public struct AnalyzedConfiguration: Sendable, Codable, Equatable {
    /// `default`, or the settings over the trace's own, as `arena_max=1 top_pad=0`.
    public var name: String
    /// Every tunable that differs from glibc's default, as the model ran (`arena_max=1 ...`).
    public var tunables: String
    /// Arenas the model created, the main one included.
    public var arenas: Int
    /// Bytes held from the kernel (heaps, break and mmapped chunks) at their highest,
    /// and the op (0-based) after which they first got there.
    public var peakHeldBytes: Int
    public var peakOp: Int
    /// At the end of the trace: held, in chunks in use (mallinfo2's), resident (mincore
    /// over the heaps), and asked for by the blocks still live (requested sizes).
    public var finalHeldBytes: Int
    public var finalInUseBytes: Int
    public var finalResidentBytes: Int?
    public var finalLiveBytes: Int
    /// Of the final held bytes, those of mmapped chunks (in no arena).
    public var finalMmappedBytes: Int
    /// Live bytes at their highest.
    public var peakLiveBytes: Int
    /// 1 - in use / held, at the end.
    public var fragmentation: Double?
    /// Requests made to the kernel over the trace (mmap, munmap, mprotect, mremap,
    /// madvise, brk).
    public var kernelRequests: Int
    /// The model's time per op, the replay alone (without the sampling).
    public var nsPerOp: Double
    /// Resident bytes malloc_trim(0) gives back at the end: the model trims after every
    /// other final figure is taken, and this is resident before minus resident after.
    public var trimmableBytes: Int
    /// Held, resident and live bytes over the trace, at up to a few hundred ops.
    public var memory: [MemorySample]
    /// Every arena at the peak of held bytes, and at the end (before the trim).
    public var atPeak: [ArenaMemory]
    public var atEnd: [ArenaMemory]
    /// The real allocators' replays of the trace under this configuration.
    public var real: [RealReplay]
    /// The model replayed with the trace's threads at once (`--concurrent`): each arena's
    /// lock use, the contention the program itself makes. Absent without `--concurrent`.
    public var concurrent: ConcurrentReplayFigures?
    /// Every heap of the model as a strip of cells (what fills each), at the peak of held
    /// bytes and at the end (before the trim).
    public var heapMapsAtPeak: [HeapMap] = []
    public var heapMapsAtEnd: [HeapMap] = []

    public init(name: String, tunables: String, arenas: Int, peakHeldBytes: Int, peakOp: Int, finalHeldBytes: Int,
                finalInUseBytes: Int, finalResidentBytes: Int?, finalLiveBytes: Int, finalMmappedBytes: Int, peakLiveBytes: Int, kernelRequests: Int,
                nsPerOp: Double, trimmableBytes: Int, memory: [MemorySample], atPeak: [ArenaMemory], atEnd: [ArenaMemory],
                real: [RealReplay] = []) {
        self.name = name
        self.tunables = tunables
        self.arenas = arenas
        self.peakHeldBytes = peakHeldBytes
        self.peakOp = peakOp
        self.finalHeldBytes = finalHeldBytes
        self.finalInUseBytes = finalInUseBytes
        self.finalResidentBytes = finalResidentBytes
        self.finalLiveBytes = finalLiveBytes
        self.finalMmappedBytes = finalMmappedBytes
        self.peakLiveBytes = peakLiveBytes
        fragmentation = finalHeldBytes == 0 ? nil : 1 - Double(finalInUseBytes) / Double(finalHeldBytes)
        self.kernelRequests = kernelRequests
        self.nsPerOp = nsPerOp
        self.trimmableBytes = trimmableBytes
        self.memory = memory
        self.atPeak = atPeak
        self.atEnd = atEnd
        self.real = real
    }
}

/// The model's memory after one op.
public struct MemorySample: Sendable, Codable, Equatable {
    /// The op (0-based) after which the sample was taken.
    public var op: Int
    public var heldBytes: Int
    public var residentBytes: Int?
    public var liveBytes: Int

    public init(op: Int, heldBytes: Int, residentBytes: Int?, liveBytes: Int) {
        self.op = op
        self.heldBytes = heldBytes
        self.residentBytes = residentBytes
        self.liveBytes = liveBytes
    }
}

/// One arena of the model at one moment: what it holds and where its free bytes sit.
public struct ArenaMemory: Sendable, Codable, Equatable {
    /// The arena's index: 0 for the main arena, then in order of creation.
    public var arena: Int
    /// Its heaps (the main arena: 1, its break).
    public var heaps: Int
    /// system_mem: bytes the arena holds from the kernel.
    public var heldBytes: Int
    /// Resident bytes of its heaps (mincore).
    public var residentBytes: Int?
    /// Bytes in chunks in use (the program's blocks and the threads' tcache structures).
    public var inUseBytes: Int
    /// Its free bytes by where they sit.
    public var free: FreeBytes
    /// Resident bytes malloc_trim(0) gave back from this arena (only at the end).
    public var trimmableBytes: Int?
    /// Per heap, the chunk in use nearest below top: the one that keeps top from
    /// shrinking further.
    public var topKeepers: [TopKeeper]

    public init(arena: Int, heaps: Int, heldBytes: Int, residentBytes: Int?, inUseBytes: Int, free: FreeBytes,
                trimmableBytes: Int? = nil, topKeepers: [TopKeeper]) {
        self.arena = arena
        self.heaps = heaps
        self.heldBytes = heldBytes
        self.residentBytes = residentBytes
        self.inUseBytes = inUseBytes
        self.free = free
        self.trimmableBytes = trimmableBytes
        self.topKeepers = topKeepers
    }
}

/// Free bytes of an arena by list: the threads' tcaches (chunks of this arena), the
/// fastbins, the unsorted, small and large bins, and top.
public struct FreeBytes: Sendable, Codable, Equatable {
    public var tcache = 0, fastbins = 0, unsorted = 0, small = 0, large = 0, top = 0

    public init() {}

    /// All of them.
    public var total: Int { tcache + fastbins + unsorted + small + large + top }
}

/// The chunk in use nearest below a heap's top, and who allocated it.
public struct TopKeeper: Sendable, Codable, Equatable {
    /// The heap within its arena (0: the first; the main arena's break is heap 0).
    public var heap: Int
    /// The chunk's offset from the heap's start and its size; the top's size above it.
    public var offset: Int
    public var size: Int
    public var topBytes: Int
    /// `block`: a block of the trace; `tcache`: a thread's tcache structure (malloc's
    /// own); `unknown`: neither.
    public var owner: String
    /// The op (0-based) that allocated it, its line in the trace, its thread, and its
    /// caller if the callers file names one.
    public var op: Int?
    public var line: Int?
    public var thread: Int?
    public var caller: String?

    public init(heap: Int, offset: Int, size: Int, topBytes: Int, owner: String, op: Int? = nil, line: Int? = nil,
                thread: Int? = nil, caller: String? = nil) {
        self.heap = heap
        self.offset = offset
        self.size = size
        self.topBytes = topBytes
        self.owner = owner
        self.op = op
        self.line = line
        self.thread = thread
        self.caller = caller
    }
}

/// The trace replayed on a real allocator in a child process of its own.
public struct RealReplay: Sendable, Codable, Equatable {
    /// `glibc`, `jemalloc`, `mimalloc` or `tcmalloc`.
    public var target: String
    /// Why it did not run ("not available: ..."), when it did not.
    public var note: String?
    /// Time per op (the hand-off of each op to its thread included).
    public var nsPerOp: Double?
    /// The child's resident bytes before the first op, at most, and at the end: the whole
    /// process, its code and runtime included.
    public var startResidentBytes: Int?
    public var peakResidentBytes: Int?
    public var finalResidentBytes: Int?
    /// glibc only: its arenas and mallinfo2's held bytes at the end.
    public var arenas: Int?
    public var finalHeldBytes: Int?

    public init(target: String, note: String? = nil, nsPerOp: Double? = nil, startResidentBytes: Int? = nil,
                peakResidentBytes: Int? = nil, finalResidentBytes: Int? = nil, arenas: Int? = nil, finalHeldBytes: Int? = nil) {
        self.target = target
        self.note = note
        self.nsPerOp = nsPerOp
        self.startResidentBytes = startResidentBytes
        self.peakResidentBytes = peakResidentBytes
        self.finalResidentBytes = finalResidentBytes
        self.arenas = arenas
        self.finalHeldBytes = finalHeldBytes
    }
}

/// The model's concurrent replay of a trace (`analyze --concurrent`): each trace thread
/// on a pinned pthread of its own, so its figures depend on scheduling, unlike the
/// sequential replay's.
public struct ConcurrentReplayFigures: Sendable, Codable, Equatable {
    /// Trace threads run, and how many of them could not be pinned to their CPU.
    public var threads: Int
    public var pinningFailures: Int
    /// Arenas the model created, and bytes held at the end.
    public var arenas: Int
    public var finalHeldBytes: Int
    /// Wall time of the replay over its ops (every thread started).
    public var nsPerOp: Double
    /// Each arena's lock, by arena number (0 the main arena).
    public var locks: [ArenaLockFigures]

    public init(threads: Int, pinningFailures: Int, arenas: Int, finalHeldBytes: Int, nsPerOp: Double, locks: [ArenaLockFigures]) {
        self.threads = threads
        self.pinningFailures = pinningFailures
        self.arenas = arenas
        self.finalHeldBytes = finalHeldBytes
        self.nsPerOp = nsPerOp
        self.locks = locks
    }
}

/// One arena lock's use over a concurrent replay.
public struct ArenaLockFigures: Sendable, Codable, Equatable {
    public var arena: Int
    /// Times the lock was taken, and of those, the times a thread found it held and waited.
    public var acquisitions: Int
    public var contended: Int
    /// Hand-overs from one thread to another.
    public var ownerChanges: Int
    /// Waits of the contended acquisitions, in nanoseconds (nil for none).
    public var waitP50Nanoseconds: UInt64?
    public var waitP99Nanoseconds: UInt64?
    public var waitMaxNanoseconds: UInt64?

    public init(arena: Int, acquisitions: Int, contended: Int, ownerChanges: Int, waitP50Nanoseconds: UInt64?,
                waitP99Nanoseconds: UInt64?, waitMaxNanoseconds: UInt64?) {
        self.arena = arena
        self.acquisitions = acquisitions
        self.contended = contended
        self.ownerChanges = ownerChanges
        self.waitP50Nanoseconds = waitP50Nanoseconds
        self.waitP99Nanoseconds = waitP99Nanoseconds
        self.waitMaxNanoseconds = waitMaxNanoseconds
    }
}
