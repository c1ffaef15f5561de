import Glibc

/// Resident memory as the kernel sees it: mincore(2) over address ranges, and glibc's
/// own mappings found in /proc/self/maps.
public enum ResidentPages {
    /// Bytes of `regions` resident in memory, by mincore(2); nil if a range is refused.
    /// A range unmapped since it was listed (ENOMEM) holds nothing resident.
    public static func bytes(_ regions: [Range<UInt>]) -> Int? {
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var resident = 0
        for region in regions where !region.isEmpty {
            let start = region.lowerBound & ~(page - 1)
            let pages = Int((region.upperBound - start + page - 1) / page)
            var vector = [UInt8](repeating: 0, count: pages)
            if mincore(UnsafeMutableRawPointer(bitPattern: start), pages * Int(page), &vector) != 0 {
                if errno == ENOMEM { continue }
                return nil
            }
            resident += vector.reduce(0) { $0 + Int($1 & 1) }
        }
        return resident * Int(page)
    }

    /// The readable and writable ranges of this process, from /proc/self/maps, with
    /// their names (`[heap]`, a file, or empty for anonymous memory).
    static func writableMappings() -> [(range: Range<UInt>, name: Substring)]? {
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var mappings: [(range: Range<UInt>, name: Substring)] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            let fields = text.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].hasPrefix("rw") else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let low = UInt(bounds[0], radix: 16), let high = UInt(bounds[1], radix: 16) else { continue }
            let name = fields.count == 6 ? fields[5].drop { $0 == " " }.dropLast(text.hasSuffix("\n") ? 1 : 0) : ""
            mappings.append((low..<high, name))
        }
        return mappings
    }

    /// The memory of this process's glibc malloc: the main arena's `[heap]`, every heap of
    /// the other arenas and every mmapped chunk; nil when /proc/self/maps or /proc/self/mem
    /// is unreadable.
    ///
    /// The kernel merges an anonymous mapping with a neighbour of the same protection and
    /// flags, so a listed mapping may hold several of glibc's: a heap is looked for at every
    /// HEAP_MAX_SIZE-aligned address inside one (a heap_info whose fields are a heap's), and
    /// mmapped chunks are walked from a mapping's start while each header is one (prev_size
    /// 0, IS_MMAPPED, a whole number of pages that fits). A mmapped chunk merged behind
    /// other memory is not found, so the figure can be low, never high.
    public static func glibcRegions() -> [Range<UInt>]? {
        guard let mappings = writableMappings() else { return nil }
        // A mapping listed may be gone by the time it is read (another thread of the
        // process unmapped it): its words are read through /proc/self/mem, where that is
        // an error rather than a fault.
        let memory = open("/proc/self/mem", O_RDONLY | O_CLOEXEC)
        guard memory >= 0 else { return nil }
        defer { close(memory) }
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var regions: [Range<UInt>] = []
        for m in mappings {
            if m.name == "[heap]" { regions.append(m.range); continue }
            guard m.name.isEmpty else { continue }
            regions += mmappedChunks(at: m.range, memory: memory, page: page)
            var heap = (m.range.lowerBound + heapMax - 1) / heapMax * heapMax
            while heap < m.range.upperBound {
                if let used = heapInfoSize(at: heap, memory: memory, page: page) {
                    regions.append(heap..<min(heap + used, m.range.upperBound))
                }
                heap += heapMax
            }
        }
        return regions
    }

    /// HEAP_MAX_SIZE on 64-bit: 2 x DEFAULT_MMAP_THRESHOLD_MAX (32 MiB).
    static let heapMax: UInt = 64 << 20

    /// The bytes glibc made readable and writable in the heap at `address`, if a heap_info
    /// is there: ar_ptr an arena just past some heap's heap_info, prev 0 or a heap, and
    /// size <= mprotect_size <= HEAP_MAX_SIZE, both whole pages.
    static func heapInfoSize(at address: UInt, memory: Int32, page: UInt) -> UInt? {
        // struct heap_info { ar_ptr, prev, size, mprotect_size, pagesize, pad }
        guard let info = read(5, at: address, memory: memory) else { return nil }
        let (arena, prev, size, mprotected, pageSize) = (info[0], info[1], info[2], info[3], info[4])
        guard arena != 0, arena % heapMax != 0, arena % heapMax < 256,
              prev % heapMax == 0,
              size > 0, size <= mprotected, mprotected <= heapMax,
              size % page == 0, mprotected % page == 0,
              pageSize >= page, pageSize & (pageSize - 1) == 0
        else { return nil }
        return mprotected
    }

    /// The mmapped chunks at the start of `range`, one after another.
    static func mmappedChunks(at range: Range<UInt>, memory: Int32, page: UInt) -> [Range<UInt>] {
        var chunks: [Range<UInt>] = []
        var at = range.lowerBound
        // An mmapped chunk: prev_size (its alignment padding, 0 unless memaligned), then
        // size | IS_MMAPPED, the whole mapping.
        while range.upperBound - at >= 32, let head = read(2, at: at, memory: memory) {
            let (prevSize, size) = (head[0], head[1] & ~7)
            guard prevSize == 0, head[1] & 2 != 0, size > 0, size % page == 0, size <= range.upperBound - at
            else { break }
            chunks.append(at..<at + size)
            at += size
        }
        return chunks
    }

    /// `count` words at `address` of this process, or nil if they cannot be read.
    static func read(_ count: Int, at address: UInt, memory: Int32) -> [UInt]? {
        var words = [UInt](repeating: 0, count: count)
        let bytes = words.withUnsafeMutableBytes { pread(memory, $0.baseAddress, $0.count, off_t(Int(bitPattern: address))) }
        return bytes == count * MemoryLayout<UInt>.size ? words : nil
    }
}
