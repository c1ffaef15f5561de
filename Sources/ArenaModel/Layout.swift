/// glibc 2.36's malloc constants and size arithmetic for x86_64.
///
/// Every function here is the Swift spelling of a macro in `malloc/malloc.c`
/// and returns exactly what the macro does for the same argument.
public enum Layout {
    /// `SIZE_SZ`: the size of a chunk's size field.
    public static let sizeSize = 8
    /// `MALLOC_ALIGNMENT`: every user pointer is a multiple of this.
    public static let alignment = 16
    /// `MALLOC_ALIGN_MASK`.
    public static let alignMask = alignment - 1
    /// `CHUNK_HDR_SZ`: prev_size plus size, the bytes before the user pointer.
    public static let chunkHeaderSize = 2 * sizeSize
    /// `MINSIZE`: the smallest chunk (prev_size, size, fd, bk), 0x20.
    public static let minSize = 32
    /// `NBINS`: bin 0 is unused, bin 1 is the unsorted bin, 2-63 small, 64-126 large.
    public static let binCount = 128
    /// `NSMALLBINS`.
    public static let smallBinCount = 64
    /// `MIN_LARGE_SIZE`: the first chunk size that goes to a large bin, 0x400.
    public static let minLargeSize = smallBinCount * alignment
    /// `NFASTBINS`: fastbin_index(request2size(MAX_FAST_SIZE)) + 1.
    public static let fastBinCount = 10
    /// `MAX_FAST_SIZE`: the largest request the mxfast tunable may cover.
    public static let maxFastSize = 80 * sizeSize / 4
    /// `TCACHE_MAX_BINS`.
    public static let tcacheBinCount = 64
    /// `MAX_TCACHE_SIZE`: the largest request the tcache serves, 1032 bytes.
    public static let maxTcacheSize = tcacheIndexToUsableSize(tcacheBinCount - 1)
    /// `BINMAPSIZE`: 32-bit words in the binmap.
    public static let binmapWordCount = binCount / 32
    /// `FASTBIN_CONSOLIDATION_THRESHOLD`.
    public static let fastbinConsolidationThreshold = 65536
    /// `HEAP_MAX_SIZE` (64-bit): a non-main heap's reservation and alignment, 64 MiB.
    public static let heapMaxSize = 64 << 20
    /// `HEAP_MIN_SIZE`.
    public static let heapMinSize = 32 << 10
    /// `DEFAULT_MMAP_THRESHOLD_MAX` (64-bit): the dynamic threshold's ceiling, 32 MiB.
    public static let mmapThresholdMax = 32 << 20
    /// The page size the model assumes, as glibc reads it from the kernel.
    public static let pageSize = 4096

    /// `PREV_INUSE`: the chunk before this one is in use.
    public static let prevInUseBit = 0x1
    /// `IS_MMAPPED`: the chunk was obtained with mmap of its own.
    public static let isMmappedBit = 0x2
    /// `NON_MAIN_ARENA`: the chunk belongs to a heap of a non-main arena.
    public static let nonMainArenaBit = 0x4
    /// `SIZE_BITS`: the three flags above.
    public static let sizeBits = 0x7

    /// `request2size`: the chunk size that serves a request of `bytes`.
    ///
    /// Both are size_t bit patterns, as in glibc: the sum wraps, and is compared unsigned.
    @inline(__always)
    public static func requestToSize(_ bytes: Int) -> Int {
        let padded = bytes &+ sizeSize &+ alignMask
        return UInt(bitPattern: padded) < UInt(minSize) ? minSize : padded & ~alignMask
    }

    /// `checked_request2size`: as `requestToSize`, or 0 for a request above PTRDIFF_MAX
    /// (a negative Int: a size_t of 2^63 or more).
    ///
    /// A request in the last 23 bytes below PTRDIFF_MAX passes, as in glibc, and pads to
    /// 2^63 or 2^63 + 16, a negative Int: sizes are compared unsigned wherever glibc does.
    @inline(__always)
    public static func checkedRequestToSize(_ bytes: Int) -> Int {
        bytes < 0 ? 0 : requestToSize(bytes)
    }

    /// `in_smallbin_range`.
    @inline(__always)
    public static func inSmallBinRange(_ size: Int) -> Bool { UInt(bitPattern: size) < UInt(minLargeSize) }

    /// `smallbin_index`.
    @inline(__always)
    public static func smallBinIndex(_ size: Int) -> Int { size >> 4 }

    /// `largebin_index_64`: 32 bins 64 bytes apart, 16 of 512, 8 of 4096, 4 of 32768,
    /// 2 of 262144, and one for the rest.
    // Out of line: inlined, it becomes a chain of selects computed for every request.
    @inline(never)
    public static func largeBinIndex(for size: Int) -> Int {
        let s = UInt(bitPattern: size)
        if s >> 6 <= 48 { return 48 + Int(s >> 6) }
        if s >> 9 <= 20 { return 91 + Int(s >> 9) }
        if s >> 12 <= 10 { return 110 + Int(s >> 12) }
        if s >> 15 <= 4 { return 119 + Int(s >> 15) }
        if s >> 18 <= 2 { return 124 + Int(s >> 18) }
        return 126
    }

    /// `bin_index`.
    @inline(__always)
    public static func binIndex(for size: Int) -> Int {
        inSmallBinRange(size) ? smallBinIndex(size) : largeBinIndex(for: size)
    }

    /// `fastbin_index`.
    @inline(__always)
    public static func fastBinIndex(_ size: Int) -> Int { Int(UInt32(truncatingIfNeeded: size) >> 4) &- 2 }

    /// `set_max_fast`: the largest fastbin chunk size for an `mxfast` request size.
    public static func maxFastChunkSize(forRequest mxfast: Int) -> Int {
        mxfast <= alignMask - sizeSize ? minSize / 2 : (mxfast + sizeSize) & ~alignMask
    }

    /// `csize2tidx`: the tcache bin of a chunk size.
    @inline(__always)
    public static func tcacheIndex(chunkSize: Int) -> Int {
        // Unsigned, as glibc's: a size of 2^63 or more (a negative Int) and 0 give an index
        // far past the bins, and the division is a shift.
        Int(bitPattern: (UInt(bitPattern: chunkSize) &- UInt(minSize) &+ UInt(alignment) &- 1) / UInt(alignment))
    }

    /// `tidx2usize`: the largest request a tcache bin serves.
    public static func tcacheIndexToUsableSize(_ index: Int) -> Int { index * alignment + minSize - sizeSize }

    /// `idx2block`, `idx2bit`: where a bin's bit lives in the binmap.
    @inline(__always)
    static func binmapBlock(_ index: Int) -> Int { index >> 5 }
    @inline(__always)
    static func binmapBit(_ index: Int) -> UInt32 { 1 << UInt32(index & 31) }

    /// `ALIGN_UP` and `ALIGN_DOWN` for powers of two.
    @inline(__always)
    static func alignUp(_ value: Int, _ to: Int) -> Int { (value &+ to &- 1) & ~(to &- 1) }
    @inline(__always)
    static func alignDown(_ value: Int, _ to: Int) -> Int { value & ~(to &- 1) }

    /// `PROTECT_PTR`: safe-linking, the stored form of `pointer` kept at `position`.
    @inline(__always)
    static func protect(_ position: UnsafeMutableRawPointer, _ pointer: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: position) >> 12) ^ UInt(bitPattern: pointer))
    }
}
