import Glibc
import Testing
@testable import Targets

/// Resident memory is measured, never copied from what is held: it follows the pages
/// touched, and where a target cannot measure it the figure is absent with a reason.
@Suite(.serialized) struct ResidentTests {
    @Test func glibcsResidentFollowsTheBlocksItTouches() throws {
        let target = GlibcTarget()
        let before = try #require(target.memory().residentBytes)
        // Above the largest mmap threshold glibc's dynamic rule can reach (32 MiB): a chunk
        // of a fresh mapping of its own, found by its IS_MMAPPED header, unmapped by free.
        let bytes = 64 << 20
        let p = try #require(GlibcTarget.malloc((), bytes))
        memset(p, 0x5A, bytes)
        let touched = try #require(target.memory().residentBytes)
        GlibcTarget.free((), p)
        let after = try #require(target.memory().residentBytes)
        #expect(touched >= before + bytes * 9 / 10, "before \(before), touched \(touched)")
        #expect(after <= touched - bytes * 9 / 10, "touched \(touched), after \(after)")
    }

    @Test func glibcsOtherArenasAreFound() throws {
        // A thread of its own makes (or takes) an arena other than the main one: its heap
        // is a HEAP_MAX_SIZE-aligned mapping that must be among glibc's regions.
        let address = try blockOfAnotherThread()
        defer { free(UnsafeMutableRawPointer(bitPattern: address)) }
        let regions = try #require(ResidentPages.glibcRegions())
        #expect(regions.contains { $0.contains(address) }, "0x\(String(address, radix: 16)) in none of \(regions.count) regions")
    }

    @Test func glibcsHeapIsFoundInAMappingMergedWithItsNeighbour() throws {
        // The kernel merges an anonymous mapping with a neighbour of the same protection and
        // flags (glibc maps its heaps MAP_NORESERVE): memory of that kind placed right below
        // a heap makes one listed mapping that no longer starts at the heap.
        let address = try blockOfAnotherThread()
        defer { free(UnsafeMutableRawPointer(bitPattern: address)) }
        let heap = address & ~(ResidentPages.heapMax - 1)
        let below = 2 * Int(sysconf(Int32(_SC_PAGESIZE)))
        let hint = UnsafeMutableRawPointer(bitPattern: heap - UInt(below))
        let neighbour = mmap(hint, below, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0)
        guard let neighbour, neighbour != MAP_FAILED else {
            print("skipped: the address below glibc's heap at 0x\(String(heap, radix: 16)) is taken (errno \(errno))")
            return
        }
        defer { munmap(neighbour, below) }
        let merged = try #require(ResidentPages.writableMappings()).contains { $0.range.lowerBound < heap && $0.range.contains(heap) }
        guard merged else {
            print("skipped: the kernel kept the neighbour below glibc's heap a mapping of its own")
            return
        }
        let regions = try #require(ResidentPages.glibcRegions())
        #expect(regions.contains { $0.contains(address) }, "0x\(String(address, radix: 16)) in none of \(regions.count) regions")
        #expect(!regions.contains { $0.contains(UInt(bitPattern: neighbour)) }, "the neighbour is not glibc's")
    }

    /// A block of 1000 bytes that a thread of its own allocated with glibc: it sits in an
    /// arena other than the main one (made or taken by that thread), in a heap of its own.
    private func blockOfAnotherThread() throws -> UInt {
        var thread = pthread_t()
        var address: UInt = 0
        let status = pthread_create(&thread, nil, { argument in
            let p = malloc(1000)!
            argument!.storeBytes(of: UInt(bitPattern: p), as: UInt.self)
            return nil
        }, &address)
        try #require(status == 0)
        pthread_join(thread, nil)
        return address
    }

    @Test func thePoolsResidentIsWhatItTouched() throws {
        let pool = PoolTarget(blockSize: 4096, capacity: 4096)
        let empty = try #require(pool.memory().residentBytes)
        #expect(empty < 4096 * 64, "16 MiB reserved, almost nothing touched: \(empty)")
        let h = pool.attach()
        for _ in 0..<1024 {
            let p = try #require(PoolTarget.malloc(h, 4096))
            p.storeBytes(of: 1, as: UInt8.self)
        }
        let touched = try #require(pool.memory().residentBytes)
        #expect(touched >= empty + 1024 * 4096)
    }

    @Test(arguments: [Peer.mimalloc, Peer.tcmalloc])
    func aPeerThatCannotMeasureSaysWhy(_ peer: Peer) throws {
        guard loadable(peer) else {
            print("skipped: \(peer.rawValue) does not load here")
            return
        }
        let memory = try #require(try PeerLibrary.load(peer).memory())
        #expect(memory.residentBytes == nil)
        #expect(memory.residentNote?.isEmpty == false)
    }
}
