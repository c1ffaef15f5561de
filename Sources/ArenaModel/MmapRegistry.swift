import Contention
import Glibc

/// Every chunk the model has mmapped, so that a checker can find them all and the
/// `ArenaSet` can unmap them at the end. glibc keeps no such list; this is the
/// model's bookkeeping, so its own table is not counted as a request of the allocator.
///
/// An open-addressing hash table of chunk addresses, each with its mapping (start and
/// length, as the chunk's header gave them when it was registered: the header itself
/// may be overwritten later, and the set must still unmap exactly what it mapped).
/// Behind its own lock, since mmapped chunks are made and freed outside any arena lock.
struct MmapRegistry {
    /// Words per slot: the chunk's address (0: empty), the mapping's start and length.
    private static let stride = 3

    let g: Globals

    private var lock: FutexLock { g.plainLock(.registryLock) }
    private var table: UnsafeMutablePointer<UInt>? {
        UnsafeMutableRawPointer(bitPattern: g[.registryTable])?.assumingMemoryBound(to: UInt.self)
    }
    func insert(_ chunk: Chunk) {
        lock.lock()
        defer { lock.unlock() }
        if (g[.registryCount] + 1) * 2 > g[.registryCapacity] { rehash(max(1024, g[.registryCapacity] * 2)) }
        place(UInt(bitPattern: chunk.address), UInt(bitPattern: chunk.address - chunk.prevSize), UInt(bitPattern: chunk.prevSize + chunk.size))
        g[.registryCount] += 1
    }

    func remove(_ chunk: Chunk) {
        lock.lock()
        defer { lock.unlock() }
        guard let table, var hole = find(UInt(bitPattern: chunk.address), table) else { return }
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        let mask = g[.registryCapacity] - 1
        let k = Self.stride
        var j = hole
        while true {
            j = (j + 1) & mask
            if table[j * k] == 0 { break }
            let home = slot(table[j * k], mask + 1)
            let movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)
            if movable {
                for w in 0..<k { table[hole * k + w] = table[j * k + w] }
                hole = j
            }
        }
        table[hole * k] = 0
        g[.registryCount] -= 1
    }

    func contains(_ chunk: Chunk) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let table else { return false }
        return find(UInt(bitPattern: chunk.address), table) != nil
    }

    /// The registered chunks' addresses.
    var all: [UnsafeMutableRawPointer] {
        lock.lock()
        defer { lock.unlock() }
        guard let table else { return [] }
        return (0..<g[.registryCapacity]).compactMap { i in
            UnsafeMutableRawPointer(bitPattern: table[i * Self.stride])
        }
    }

    /// The registered chunks' mappings, as they were when each was registered.
    var mappings: [(start: UnsafeMutableRawPointer, length: Int)] {
        lock.lock()
        defer { lock.unlock() }
        guard let table else { return [] }
        return (0..<g[.registryCapacity]).compactMap { i in
            guard table[i * Self.stride] != 0 else { return nil }
            return (UnsafeMutableRawPointer(bitPattern: table[i * Self.stride + 1])!, Int(table[i * Self.stride + 2]))
        }
    }

    /// Unmaps the table itself.
    func destroy() {
        if let table { munmap(table, g[.registryCapacity] * 8 * Self.stride) }
        g[.registryTable] = 0
        g[.registryCapacity] = 0
        g[.registryCount] = 0
    }

    private func slot(_ key: UInt, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: (key >> 4) &* 0x9E37_79B9_7F4A_7C15 >> 7) & (capacity - 1)
    }

    private func find(_ key: UInt, _ table: UnsafeMutablePointer<UInt>) -> Int? {
        let capacity = g[.registryCapacity]
        var i = slot(key, capacity)
        while table[i * Self.stride] != 0 {
            if table[i * Self.stride] == key { return i }
            i = (i + 1) & (capacity - 1)
        }
        return nil
    }

    private func place(_ key: UInt, _ start: UInt, _ length: UInt) {
        let capacity = g[.registryCapacity], table = table!
        var i = slot(key, capacity)
        while table[i * Self.stride] != 0 { i = (i + 1) & (capacity - 1) }
        table[i * Self.stride] = key
        table[i * Self.stride + 1] = start
        table[i * Self.stride + 2] = length
    }

    private func rehash(_ capacity: Int) {
        let old = table, oldCapacity = g[.registryCapacity]
        let raw = mmap(nil, capacity * 8 * Self.stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(raw != MAP_FAILED, "arenastress: cannot map the mmapped-chunk registry")
        g[.registryTable] = Int(bitPattern: raw)
        g[.registryCapacity] = capacity
        guard let old else { return }
        let k = Self.stride
        for i in 0..<oldCapacity where old[i * k] != 0 { place(old[i * k], old[i * k + 1], old[i * k + 2]) }
        munmap(old, oldCapacity * 8 * k)
    }
}
