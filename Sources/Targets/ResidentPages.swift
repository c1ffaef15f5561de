import Glibc

/// Resident memory as the kernel sees it: mincore(2) over address ranges, and glibc's
/// own mappings found in /proc/self/maps.
public enum ResidentPages {
    /// Bytes of `regions` resident in memory, by mincore(2); nil if a range is refused.
    public static func bytes(_ regions: [Range<UInt>]) -> Int? {
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var resident = 0
        for region in regions where !region.isEmpty {
            let start = region.lowerBound & ~(page - 1)
            let pages = Int((region.upperBound - start + page - 1) / page)
            var vector = [UInt8](repeating: 0, count: pages)
            guard mincore(UnsafeMutableRawPointer(bitPattern: start), pages * Int(page), &vector) == 0 else { return nil }
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
    /// the other arenas (HEAP_MAX_SIZE-aligned mappings whose heap_info points at an arena
    /// in such a heap) and every mmapped chunk (an anonymous mapping whose first chunk
    /// has IS_MMAPPED set and spans the mapping); a mapping gone before its first words
    /// are read is left out. Nil when /proc/self/maps or /proc/self/mem is unreadable.
    public static func glibcRegions() -> [Range<UInt>]? {
        // HEAP_MAX_SIZE on 64-bit: 2 x DEFAULT_MMAP_THRESHOLD_MAX (32 MiB).
        let heapMax: UInt = 64 << 20
        guard let mappings = writableMappings() else { return nil }
        // A mapping listed may be gone by the time it is read (another thread of the
        // process unmapped it): its first words are read through /proc/self/mem, where
        // that is an error rather than a fault.
        let memory = open("/proc/self/mem", O_RDONLY | O_CLOEXEC)
        guard memory >= 0 else { return nil }
        defer { close(memory) }
        return mappings.compactMap { m -> Range<UInt>? in
            if m.name == "[heap]" { return m.range }
            guard m.name.isEmpty, m.range.count >= 32 else { return nil }
            var head: (UInt, UInt) = (0, 0)
            guard withUnsafeMutableBytes(of: &head, { pread(memory, $0.baseAddress, 16, off_t(Int(bitPattern: m.range.lowerBound))) }) == 16
            else { return nil }
            if m.range.lowerBound % heapMax == 0 {
                // heap_info.ar_ptr: the arena, just past some heap's heap_info.
                let arena = head.0
                if arena != 0 && arena % heapMax != 0 && arena % heapMax < 256 { return m.range }
            }
            // An mmapped chunk: prev_size (its alignment padding), then size | IS_MMAPPED.
            let (prevSize, size) = head
            if size & 2 != 0 && prevSize < UInt(m.range.count) && size & ~7 == UInt(m.range.count) &- prevSize { return m.range }
            return nil
        }
    }
}
