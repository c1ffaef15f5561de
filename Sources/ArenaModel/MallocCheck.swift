/// A runtime check glibc 2.36 makes in malloc, free, realloc and their helpers.
///
/// Where glibc calls `malloc_printerr` and aborts, the model records a `Violation`
/// and the call returns without touching the heap again.
public enum MallocCheck: Int32, CaseIterable, Sendable, Codable {
    case freeInvalidPointer = 1, freeInvalidSize, freeDoubleFreeTcache, freeTooManyTcache
    case freeUnalignedTcache, doubleFreeFasttop, invalidFastbinEntry, doubleFreeTop, doubleFreeOut
    case doubleFreePrev, freeInvalidNextSizeFast, freeInvalidNextSizeNormal, freeCorruptedUnsorted
    case corruptedSizeVsPrevSize, corruptedSizeConsolidating, corruptedSizeFastbins
    case corruptedDoubleLinkedList, corruptedDoubleLinkedListNotSmall
    case mallocMemoryCorruptionFast, mallocUnalignedFastbin, mallocUnalignedFastbin2
    case mallocUnalignedFastbin3, mallocUnalignedTcache, mallocSmallbinCorrupted
    case mallocInvalidSizeUnsorted, mallocInvalidNextSizeUnsorted, mallocMismatchingPrevSizeUnsorted
    case mallocUnsortedCorrupted, mallocInvalidNextPrevInUseUnsorted, mallocCorruptedUnsorted3
    case mallocLargebinNextsize, mallocLargebinBk, mallocCorruptedUnsorted, mallocCorruptedUnsorted2
    case mallocCorruptedTopSize, consolidateUnaligned, consolidateInvalidSize
    case reallocInvalidPointer, reallocInvalidOldSize, reallocInvalidNextSize
    case munmapInvalidPointer, mremapInvalidPointer, tcacheShutdownUnaligned
    case mallinfoUnalignedFastbin, breakAdjusted

    /// glibc's message, word for word.
    public var message: String {
        switch self {
        case .freeInvalidPointer: "free(): invalid pointer"
        case .freeInvalidSize: "free(): invalid size"
        case .freeDoubleFreeTcache: "free(): double free detected in tcache 2"
        case .freeTooManyTcache: "free(): too many chunks detected in tcache"
        case .freeUnalignedTcache: "free(): unaligned chunk detected in tcache 2"
        case .doubleFreeFasttop: "double free or corruption (fasttop)"
        case .invalidFastbinEntry: "invalid fastbin entry (free)"
        case .doubleFreeTop: "double free or corruption (top)"
        case .doubleFreeOut: "double free or corruption (out)"
        case .doubleFreePrev: "double free or corruption (!prev)"
        case .freeInvalidNextSizeFast: "free(): invalid next size (fast)"
        case .freeInvalidNextSizeNormal: "free(): invalid next size (normal)"
        case .freeCorruptedUnsorted: "free(): corrupted unsorted chunks"
        case .corruptedSizeVsPrevSize: "corrupted size vs. prev_size"
        case .corruptedSizeConsolidating: "corrupted size vs. prev_size while consolidating"
        case .corruptedSizeFastbins: "corrupted size vs. prev_size in fastbins"
        case .corruptedDoubleLinkedList: "corrupted double-linked list"
        case .corruptedDoubleLinkedListNotSmall: "corrupted double-linked list (not small)"
        case .mallocMemoryCorruptionFast: "malloc(): memory corruption (fast)"
        case .mallocUnalignedFastbin: "malloc(): unaligned fastbin chunk detected"
        case .mallocUnalignedFastbin2: "malloc(): unaligned fastbin chunk detected 2"
        case .mallocUnalignedFastbin3: "malloc(): unaligned fastbin chunk detected 3"
        case .mallocUnalignedTcache: "malloc(): unaligned tcache chunk detected"
        case .mallocSmallbinCorrupted: "malloc(): smallbin double linked list corrupted"
        case .mallocInvalidSizeUnsorted: "malloc(): invalid size (unsorted)"
        case .mallocInvalidNextSizeUnsorted: "malloc(): invalid next size (unsorted)"
        case .mallocMismatchingPrevSizeUnsorted: "malloc(): mismatching next->prev_size (unsorted)"
        case .mallocUnsortedCorrupted: "malloc(): unsorted double linked list corrupted"
        case .mallocInvalidNextPrevInUseUnsorted: "malloc(): invalid next->prev_inuse (unsorted)"
        case .mallocCorruptedUnsorted3: "malloc(): corrupted unsorted chunks 3"
        case .mallocLargebinNextsize: "malloc(): largebin double linked list corrupted (nextsize)"
        case .mallocLargebinBk: "malloc(): largebin double linked list corrupted (bk)"
        case .mallocCorruptedUnsorted: "malloc(): corrupted unsorted chunks"
        case .mallocCorruptedUnsorted2: "malloc(): corrupted unsorted chunks 2"
        case .mallocCorruptedTopSize: "malloc(): corrupted top size"
        case .consolidateUnaligned: "malloc_consolidate(): unaligned fastbin chunk detected"
        case .consolidateInvalidSize: "malloc_consolidate(): invalid chunk size"
        case .reallocInvalidPointer: "realloc(): invalid pointer"
        case .reallocInvalidOldSize: "realloc(): invalid old size"
        case .reallocInvalidNextSize: "realloc(): invalid next size"
        case .munmapInvalidPointer: "munmap_chunk(): invalid pointer"
        case .mremapInvalidPointer: "mremap_chunk(): invalid pointer"
        case .tcacheShutdownUnaligned: "tcache_thread_shutdown(): unaligned tcache chunk detected"
        case .mallinfoUnalignedFastbin: "int_mallinfo(): unaligned fastbin chunk detected"
        case .breakAdjusted: "break adjusted to free malloc space"
        }
    }

    /// The condition glibc tested, in glibc's terms.
    public var condition: String {
        switch self {
        case .freeInvalidPointer: "p > -size || misaligned_chunk (p)"
        case .freeInvalidSize: "size < MINSIZE || !aligned_OK (size)"
        case .freeDoubleFreeTcache: "e->key == tcache_key && e is in tcache->entries[tc_idx]"
        case .freeTooManyTcache: "tcache list longer than tcache_count"
        case .freeUnalignedTcache: "!aligned_OK (tmp) while walking the tcache bin"
        case .doubleFreeFasttop: "old == p: the chunk is already the fastbin's top"
        case .invalidFastbinEntry: "fastbin_index (chunksize (old)) != idx"
        case .doubleFreeTop: "p == av->top"
        case .doubleFreeOut: "nextchunk >= av->top + chunksize (av->top)"
        case .doubleFreePrev: "!prev_inuse (nextchunk)"
        case .freeInvalidNextSizeFast: "chunksize_nomask (next) <= CHUNK_HDR_SZ || chunksize (next) >= av->system_mem"
        case .freeInvalidNextSizeNormal: "chunksize_nomask (nextchunk) <= CHUNK_HDR_SZ || nextsize >= av->system_mem"
        case .freeCorruptedUnsorted: "unsorted_chunks (av)->fd->bk != unsorted_chunks (av)"
        case .corruptedSizeVsPrevSize: "chunksize (p) != prev_size (next_chunk (p))"
        case .corruptedSizeConsolidating, .corruptedSizeFastbins: "chunksize (prev) != prev_size (p)"
        case .corruptedDoubleLinkedList: "p->fd->bk != p || p->bk->fd != p"
        case .corruptedDoubleLinkedListNotSmall: "p->fd_nextsize->bk_nextsize != p || p->bk_nextsize->fd_nextsize != p"
        case .mallocMemoryCorruptionFast: "fastbin_index (chunksize (victim)) != idx"
        case .mallocUnalignedFastbin, .mallocUnalignedFastbin2, .mallocUnalignedFastbin3: "misaligned_chunk (fastbin entry)"
        case .mallocUnalignedTcache: "!aligned_OK (tcache->entries[tc_idx])"
        case .mallocSmallbinCorrupted: "victim->bk->fd != victim"
        case .mallocInvalidSizeUnsorted: "size <= CHUNK_HDR_SZ || size > av->system_mem"
        case .mallocInvalidNextSizeUnsorted: "chunksize_nomask (next) < CHUNK_HDR_SZ || > av->system_mem"
        case .mallocMismatchingPrevSizeUnsorted: "prev_size (next) != size"
        case .mallocUnsortedCorrupted: "bck->fd != victim || victim->fd != unsorted_chunks (av)"
        case .mallocInvalidNextPrevInUseUnsorted: "prev_inuse (next) for a free unsorted chunk"
        case .mallocCorruptedUnsorted3: "bck->fd != victim before taking it off the unsorted list"
        case .mallocLargebinNextsize: "fwd->bk_nextsize->fd_nextsize != fwd"
        case .mallocLargebinBk: "fwd->bk->fd != fwd"
        case .mallocCorruptedUnsorted, .mallocCorruptedUnsorted2: "unsorted_chunks (av)->fd->bk != unsorted_chunks (av)"
        case .mallocCorruptedTopSize: "chunksize (av->top) > av->system_mem"
        case .consolidateUnaligned: "misaligned_chunk (p) in a fastbin"
        case .consolidateInvalidSize: "fastbin_index (chunksize (p)) names another fastbin"
        case .reallocInvalidPointer: "oldp > -oldsize || misaligned_chunk (oldp)"
        case .reallocInvalidOldSize: "chunksize_nomask (oldp) <= CHUNK_HDR_SZ || oldsize >= av->system_mem"
        case .reallocInvalidNextSize: "chunksize_nomask (next) <= CHUNK_HDR_SZ || nextsize >= av->system_mem"
        case .munmapInvalidPointer, .mremapInvalidPointer: "(block | total_size) not page aligned || mem not a power of two within its page"
        case .tcacheShutdownUnaligned: "!aligned_OK (e) while emptying the tcache"
        case .mallinfoUnalignedFastbin: "misaligned_chunk (p) while counting fastbins"
        case .breakAdjusted: "brk < old_end: the break moved below the heap's end"
        }
    }
}

/// A failed runtime check: what glibc would have printed before aborting.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// The check that failed.
    public let check: MallocCheck
    /// The chunk the check was looking at.
    public let chunk: UInt
    /// The arena's malloc_state, or 0 where no arena was involved.
    public let arena: UInt

    /// glibc's message.
    public var message: String { check.message }
    public var description: String {
        "\(check.message) [\(check.condition)] at chunk 0x\(String(chunk, radix: 16))"
    }
}
