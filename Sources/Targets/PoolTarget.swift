import ArenaModel
import Contention
import Glibc

/// The seed's memory pool: fixed-size blocks handed out from a stack, nothing ever
/// returned to the kernel. Every block has the largest size the scenario asks for and
/// comes from one mapping reserved up front; a request larger than a block fails (NULL,
/// which the runner reports as a problem). Freed blocks are reused by any request, so
/// nothing is lost to holes; and the memory, once touched, stays held.
public final class PoolTarget: StressTarget, @unchecked Sendable {
    /// The largest request served.
    public let blockSize: Int
    /// Blocks the mapping can hold.
    public let capacity: Int
    private let store: UnsafeMutablePointer<PoolStore>
    private let mappingBytes: Int
    private let stackBytes: Int
    /// Every attached cache, for `memory` (read with the world stopped).
    private var caches: Set<UnsafeMutablePointer<PoolCache>> = []
    private var cachesLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// A pool of `capacity` blocks of `blockSize` bytes. The address space is reserved
    /// now and touched only as blocks are first carved; when it cannot be reserved, every
    /// request fails.
    public init(blockSize: Int, capacity: Int) {
        self.blockSize = max(blockSize, 1)
        let stride = (self.blockSize + 15) & ~15
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            return p == MAP_FAILED ? nil : p
        }
        var blocks = max(capacity, 1)
        var mapping = (blocks * stride + page - 1) / page * page
        var stack = (blocks * 8 + page - 1) / page * page
        var base = reserve(mapping), stackBase = base == nil ? nil : reserve(stack)
        if base == nil || stackBase == nil {
            if let base { munmap(base, mapping) }
            blocks = 0
            mapping = 0
            stack = 0
            base = UnsafeMutableRawPointer(bitPattern: page)
            stackBase = UnsafeMutableRawPointer(bitPattern: page)
        }
        self.capacity = blocks
        mappingBytes = mapping
        stackBytes = stack
        store = .allocate(capacity: 1)
        store.initialize(to: PoolStore(stride: stride, capacity: blocks, base: base!,
                                       stack: stackBase!.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)))
        pthread_mutex_init(cachesLock, nil)
    }

    deinit {
        for cache in caches { release(cache) }
        if mappingBytes > 0 {
            munmap(store.pointee.base, mappingBytes)
            munmap(store.pointee.stack, stackBytes)
        }
        store.deallocate()
        pthread_mutex_destroy(cachesLock)
        cachesLock.deallocate()
    }

    public var name: String { "pool" }

    /// The alignment every block has: its stride's lowest set bit, at most a page.
    public var alignment: Int { min(store.pointee.stride & -store.pointee.stride, 4096) }

    public func attach() -> UnsafeMutablePointer<PoolCache> {
        let cache = UnsafeMutablePointer<PoolCache>.allocate(capacity: 1)
        cache.initialize(to: PoolCache(blockSize: blockSize, alignment: alignment, store: store))
        pthread_mutex_lock(cachesLock)
        caches.insert(cache)
        pthread_mutex_unlock(cachesLock)
        return cache
    }

    /// The thread's cached blocks go back to the store.
    public func detach(_ cache: UnsafeMutablePointer<PoolCache>) {
        pthread_mutex_lock(cachesLock)
        caches.remove(cache)
        pthread_mutex_unlock(cachesLock)
        release(cache)
    }

    private func release(_ cache: UnsafeMutablePointer<PoolCache>) {
        PoolCache.flush(cache, blocks: PoolCache.capacity)
        cache.pointee.slots.deallocate()
        cache.deinitialize(count: 1)
        cache.deallocate()
    }

    @inlinable @inline(__always)
    public static func malloc(_ cache: UnsafeMutablePointer<PoolCache>, _ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes <= cache.pointee.blockSize else { return nil }
        let n = cache.pointee.count
        if n == 0 { return PoolCache.refill(cache) }
        cache.pointee.count = n - 1
        return cache.pointee.slots[n - 1]
    }

    @inlinable @inline(__always)
    public static func calloc(_ cache: UnsafeMutablePointer<PoolCache>, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, let p = malloc(cache, bytes) else { return nil }
        // A reused block holds its last owner's bytes.
        p.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return p
    }

    /// The same block while the new size fits it; NULL (the old block kept) otherwise.
    @inlinable @inline(__always)
    public static func realloc(_ cache: UnsafeMutablePointer<PoolCache>, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        guard let pointer else { return malloc(cache, bytes) }
        return bytes <= cache.pointee.blockSize ? pointer : nil
    }

    @inlinable @inline(__always)
    public static func memalign(_ cache: UnsafeMutablePointer<PoolCache>, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        alignment <= cache.pointee.alignment ? malloc(cache, bytes) : nil
    }

    @inlinable @inline(__always)
    public static func free(_ cache: UnsafeMutablePointer<PoolCache>, _ pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { return }
        if cache.pointee.count == PoolCache.capacity { PoolCache.flush(cache) }
        cache.pointee.slots[cache.pointee.count] = pointer
        cache.pointee.count += 1
    }

    /// Nothing is ever given back.
    public func trim() -> Bool { false }

    /// Held: every block carved so far (touched, never returned). In use: carved blocks
    /// on no free stack and in no cache.
    public func memory() -> TargetMemory {
        pthread_mutex_lock(cachesLock)
        let cached = caches.reduce(0) { $0 + $1.pointee.count }
        pthread_mutex_unlock(cachesLock)
        let s = store.pointee
        let held = s.carved * s.stride
        let base = UInt(bitPattern: s.base), stack = UInt(bitPattern: s.stack)
        let resident = mappingBytes == 0 ? 0 : ResidentPages.bytes([base..<base + UInt(mappingBytes), stack..<stack + UInt(stackBytes)])
        return TargetMemory(heldBytes: held, inUseBytes: (s.carved - s.free - cached) * s.stride,
                            osRequests: mappingBytes > 0 ? 2 : 0, residentBytes: resident, arenas: 1)
    }

    /// The two mappings (blocks and free stack), made once.
    public func kernelRequests() -> Int? { mappingBytes > 0 ? 2 : 0 }
    public func takeLockUses() -> [ThreadLockUse] { [] }
}
