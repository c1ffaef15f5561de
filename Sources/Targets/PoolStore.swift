import Contention
import Glibc

/// The pool's shared part: one mapping carved into blocks of one size, and the stack of
/// free blocks under a lock. Blocks are carved in order as first needed; a freed block
/// goes back on the stack (through a thread's cache), never to the kernel.
@usableFromInline
struct PoolStore {
    /// The lock word: `FutexLock`'s, alone on its cache line.
    var lockWord: UInt32 = 0
    /// Bytes from one block's start to the next: the block size rounded up to 16.
    let stride: Int
    /// Blocks the mapping holds.
    let capacity: Int
    let base: UnsafeMutableRawPointer
    /// Blocks carved so far: the mapping's touched high-water mark.
    var carved = 0
    /// Free blocks on `stack`.
    var free = 0
    let stack: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    init(stride: Int, capacity: Int, base: UnsafeMutableRawPointer, stack: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        self.stride = stride
        self.capacity = capacity
        self.base = base
        self.stack = stack
    }
}

/// A worker thread's cache of free blocks: its handle on the pool. Allocation pops and
/// free pushes with no lock; a cache that runs empty or full moves half its capacity
/// from or to the store under the store's lock. Any thread may free any block.
public struct PoolCache {
    /// Blocks a cache holds at most.
    @usableFromInline static let capacity = 64
    /// Blocks moved to or from the store at a time.
    @usableFromInline static let batch = 32

    @usableFromInline var count = 0
    /// The largest request served.
    @usableFromInline let blockSize: Int
    /// The largest alignment every block has.
    @usableFromInline let alignment: Int
    @usableFromInline let store: UnsafeMutablePointer<PoolStore>
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    init(blockSize: Int, alignment: Int, store: UnsafeMutablePointer<PoolStore>) {
        self.blockSize = blockSize
        self.alignment = alignment
        self.store = store
        slots = .allocate(capacity: Self.capacity)
    }

    /// Fills an empty cache from the store's stack, or carves new blocks; the first
    /// block, or nil when the mapping is used up.
    @usableFromInline @inline(never)
    static func refill(_ cache: UnsafeMutablePointer<PoolCache>) -> UnsafeMutableRawPointer? {
        let store = cache.pointee.store
        let lock = FutexLock(word: UnsafeMutableRawPointer(store))
        lock.lock()
        defer { lock.unlock() }
        var n = 0
        while n < batch && store.pointee.free > 0 {
            store.pointee.free -= 1
            cache.pointee.slots[n] = store.pointee.stack[store.pointee.free]
            n += 1
        }
        while n < batch && store.pointee.carved < store.pointee.capacity {
            cache.pointee.slots[n] = store.pointee.base + store.pointee.carved * store.pointee.stride
            store.pointee.carved += 1
            n += 1
        }
        guard n > 0 else { return nil }
        cache.pointee.count = n - 1
        return cache.pointee.slots[n - 1]
    }

    /// Moves `blocks` of a cache's blocks (its top ones) to the store's stack.
    @usableFromInline @inline(never)
    static func flush(_ cache: UnsafeMutablePointer<PoolCache>, blocks: Int = batch) {
        let store = cache.pointee.store
        let lock = FutexLock(word: UnsafeMutableRawPointer(store))
        lock.lock()
        defer { lock.unlock() }
        let n = min(blocks, cache.pointee.count)
        for _ in 0..<n {
            cache.pointee.count -= 1
            store.pointee.stack[store.pointee.free] = cache.pointee.slots[cache.pointee.count]
            store.pointee.free += 1
        }
    }
}
