import Atomics
import Contention

/// The model's process-wide state: glibc's `mp_` (struct malloc_par), its static
/// variables (global_max_fast, perturb_byte, tcache_key, narenas, free_list, ...),
/// the simulated program break, the kernel-request counters and the violation log.
///
/// It lives in one page the `ArenaSet` maps, so that the malloc paths reach it
/// through a raw pointer, as glibc reaches its globals.
struct Globals {
    let base: UnsafeMutableRawPointer

    /// The byte offset of each word.
    enum Field: Int {
        // What every malloc and free reads, in the first cache line.
        case aborted = 0, multiThreaded, tcacheBins, tcacheCount, tcacheKey, globalMaxFast, mainArena, perturbByte
        // mp_
        case trimThreshold, topPad, mmapThreshold, arenaTest, arenaMax, nMmaps, nMmapsMax
        case maxNMmaps, noDynThreshold, mmappedMem, maxMmappedMem, sbrkBase
        case tcacheMaxBytes, tcacheUnsortedLimit
        // static globals of malloc.c and arena.c
        case narenas, narenasLimit, freeList, reusedArenaNext, alignedHeapArea, cores
        // the model's own: the arena policy, how many non-main arenas were made, and
        // the HeapPlacement told of new heaps (an unretained reference, or 0)
        case arenaPolicy, arenasCreated, heapPlacement
        // the program break: reservation start and end, current break, end of the
        // pages made accessible so far
        case brkReserveStart, brkReserveEnd, brkCurrent, brkAccessibleEnd
        // kernel requests
        case osMmap, osMunmap, osMprotect, osMremap, osMadvise, osBrk
        case osBytesMapped, osBytesReleased
        // locks (4-byte words in 8-byte slots)
        case listLock, freeListLock, registryLock
        // the registry of mmapped chunks: its table, capacity and count
        case registryTable, registryCapacity, registryCount
        // the violation log
        case violationCount
        case violationLog // `violationLogCapacity` records of three words follow

        var offset: Int { rawValue * 8 }
    }

    static let violationLogCapacity = 32
    static let byteCount = (Field.violationLog.rawValue + 3 * violationLogCapacity) * 8

    @inline(__always)
    subscript(_ field: Field) -> Int {
        get { base.load(fromByteOffset: field.offset, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: field.offset, as: Int.self) }
    }

    @inline(__always)
    func pointer(_ field: Field) -> UnsafeMutableRawPointer { base + field.offset }

    /// A counter or flag that several threads update.
    @inline(__always)
    func atomic(_ field: Field) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: pointer(field).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }

    /// A lock of the model's own bookkeeping, not an arena's.
    @inline(__always)
    func plainLock(_ field: Field) -> FutexLock { FutexLock(word: pointer(field)) }

    /// `&main_arena`.
    var mainArena: Arena { @inline(__always) get { Arena(UnsafeMutableRawPointer(bitPattern: self[.mainArena])!) } }

    /// True once a check has failed: glibc would have aborted, so no call touches the heap
    /// again. Any thread may set it, so it is read atomically (relaxed).
    var aborted: Bool { @inline(__always) get { atomic(.aborted).load(ordering: .relaxed) != 0 } }

    /// `SINGLE_THREAD_P` negated: set when a second thread attaches, never cleared.
    var multiThreaded: Bool { @inline(__always) get { self[.multiThreaded] != 0 } }

    /// `malloc_printerr`: records the violation and stops the model.
    @inline(never)
    func report(_ check: MallocCheck, _ chunk: Chunk?, _ arena: Arena? = nil) {
        let index = atomic(.violationCount).loadThenWrappingIncrement(ordering: .relaxed)
        atomic(.aborted).store(1, ordering: .relaxed)
        guard index < Globals.violationLogCapacity else { return }
        let record = pointer(.violationLog) + index * 24
        record.storeBytes(of: Int(check.rawValue), as: Int.self)
        record.storeBytes(of: UInt(bitPattern: chunk?.address), toByteOffset: 8, as: UInt.self)
        record.storeBytes(of: UInt(bitPattern: arena?.base), toByteOffset: 16, as: UInt.self)
    }

    /// The violations recorded so far, oldest first.
    var violations: [Violation] {
        let count = min(self[.violationCount], Globals.violationLogCapacity)
        return (0..<count).map { i in
            let record = pointer(.violationLog) + i * 24
            return Violation(check: MallocCheck(rawValue: Int32(record.load(as: Int.self)))!,
                             chunk: record.load(fromByteOffset: 8, as: UInt.self),
                             arena: record.load(fromByteOffset: 16, as: UInt.self))
        }
    }
}
