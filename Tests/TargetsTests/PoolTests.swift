import Glibc
import Testing
import Targets

@Suite struct PoolTests {
    @Test func blocksAreDistinctAndReusedAfterFree() throws {
        let pool = PoolTarget(blockSize: 100, capacity: 1000)
        let h = pool.attach()
        defer { pool.detach(h) }
        var first: [UnsafeMutableRawPointer] = []
        for _ in 0..<500 { first.append(try #require(PoolTarget.malloc(h, 100))) }
        let addresses = first.map { UInt(bitPattern: $0) }.sorted()
        // Distinct and not overlapping: blocks at least a block apart.
        #expect(zip(addresses, addresses.dropFirst()).allSatisfy { $1 - $0 >= 100 })
        // Blocks are carved 32 at a time: held is what was carved, in use what was handed out.
        let held = pool.memory().heldBytes
        #expect(held == 512 * 112)
        #expect(pool.memory().inUseBytes == 500 * 112)
        for p in first { PoolTarget.free(h, p) }
        #expect(pool.memory().inUseBytes == 0)
        #expect(pool.memory().heldBytes == held, "nothing is given back")
        #expect(!pool.trim())
        var second: [UnsafeMutableRawPointer] = []
        for _ in 0..<500 { second.append(try #require(PoolTarget.malloc(h, 1))) }
        #expect(Set(second).count == 500)
        #expect(pool.memory().heldBytes == held, "every freed block is reused before any new one is carved")
        for p in second { PoolTarget.free(h, p) }
    }

    @Test func requestsLargerThanABlockAndBeyondTheMappingFail() throws {
        let pool = PoolTarget(blockSize: 64, capacity: 100)
        let h = pool.attach()
        defer { pool.detach(h) }
        #expect(PoolTarget.malloc(h, 65) == nil)
        #expect(PoolTarget.memalign(h, 4096, 8) == nil)
        let p = try #require(PoolTarget.malloc(h, 64))
        #expect(PoolTarget.realloc(h, p, 64) == p)
        #expect(PoolTarget.realloc(h, p, 65) == nil)
        p.storeBytes(of: UInt64.max, as: UInt64.self)
        PoolTarget.free(h, p)
        let zeroed = try #require(PoolTarget.calloc(h, 8, 8))
        #expect(zeroed.load(as: UInt64.self) == 0)
        var n = 1
        while PoolTarget.malloc(h, 64) != nil { n += 1 }
        #expect(n == pool.capacity)
    }

    @Test func aBlockFreedOnAnotherThreadIsReused() throws {
        let pool = PoolTarget(blockSize: 32, capacity: 10_000)
        let owner = pool.attach()
        let blocks = (0..<5000).map { _ in PoolTarget.malloc(owner, 32)! }
        let held = pool.memory().heldBytes
        let addresses = blocks.map { UInt(bitPattern: $0) }
        // Another thread frees every block through its own cache, then exits.
        var thread = pthread_t()
        let context = UnsafeMutablePointer<(PoolTarget, [UInt])>.allocate(capacity: 1)
        context.initialize(to: (pool, addresses))
        pthread_create(&thread, nil, { raw in
            let context = raw!.assumingMemoryBound(to: (PoolTarget, [UInt]).self)
            let (pool, addresses) = context.pointee
            let mine = pool.attach()
            for a in addresses { PoolTarget.free(mine, UnsafeMutableRawPointer(bitPattern: a)) }
            pool.detach(mine)
            return nil
        }, context)
        pthread_join(thread, nil)
        context.deinitialize(count: 1)
        context.deallocate()
        #expect(pool.memory().inUseBytes == 0)
        let again = Set((0..<5000).map { _ in UInt(bitPattern: PoolTarget.malloc(owner, 32)!) })
        #expect(again.count == 5000)
        #expect(pool.memory().heldBytes == held, "the blocks freed on the other thread were reused")
        pool.detach(owner)
    }
}
