import CSupport
import Foundation
import Glibc
import Placement
import Synchronization
import Testing

/// mbind, move_pages and the heap binder on this machine, and under a kernel that
/// refuses mbind.
@Suite struct MemoryBindingTests {
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// `pages` fresh pages, unmapped when `body` returns.
    static func withPages<R>(_ pages: Int, _ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        let length = pages * pageSize
        let p = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(p != MAP_FAILED)
        defer { munmap(p, length) }
        return try body(p)
    }

    /// Under a kernel that refuses mbind the probe says so, in the words the report uses.
    @Test func theProbeSaysWhyNotUnderARefusingKernel() {
        let refused = MemoryBinder.refusingBind(EPERM).probe(node: 0, policy: .bind)
        #expect(!refused.binds)
        #expect(refused.note == "mbind refused (EPERM: Operation not permitted)")
        let unimplemented = MemoryBinder.refusingBind(ENOSYS).probe(node: 0, policy: .preferred)
        #expect(!unimplemented.binds)
        #expect(unimplemented.note == "mbind refused (ENOSYS: Function not implemented)")
    }

    /// Where the kernel lets it, the probe's page is bound and located.
    @Test(.enabled(if: HostBinding.works, HostBinding.refusal))
    func theProbeBindsHere() {
        let here = MemoryBinder.system.probe(node: HostBinding.node, policy: .bind)
        #expect(here.binds && here.locates, "\(here.note)")
        #expect(here.note == "mbind and move_pages work")
    }

    @Test(.enabled(if: HostBinding.works, HostBinding.refusal))
    func aCensusCountsTouchedPagesOnTheirNode() throws {
        let node = HostBinding.node
        try Self.withPages(16) { p in
            #expect(MemoryBinder.system.bind(p, 16 * Self.pageSize, .bind, node) == 0)
            for i in stride(from: 0, to: 16, by: 2) { (p + i * Self.pageSize).storeBytes(of: 1, as: UInt8.self) }
            let start = UInt(bitPattern: p)
            let census = PageCensus.take([start..<start + UInt(16 * Self.pageSize)], limit: 64, binder: .system)
            #expect(census.sampled == 16)
            #expect(census.resident == 8)
            #expect(census.onNode(node) == 8)
            #expect(census.error == nil)
            // A sample: every 4th page of the 16, half of them touched.
            let sample = PageCensus.take([start..<start + UInt(16 * Self.pageSize)], limit: 4, binder: .system)
            #expect(sample.sampled == 4 && sample.resident == 4)
        }
    }

    // The binder here is a fake; only pinning a thread to CPU 1 needs the machine.
    @Test(.enabled(if: HostBinding.mayRunOn(0) && HostBinding.mayRunOn(1), "needs CPUs 0 and 1 to pin threads to; this process may use \(CPUList.text(Topology.allowedCPUs()))"))
    func regionsGoToTheirCreatorsNodeOrTheNodeOfTheRegionTheyExtend() throws {
        // On a synthetic machine where CPU 1 is node 1, from a thread pinned to CPU 1.
        let topology = Topology.synthetic(nodes: 2, cpusPerNode: 1)
        let calls = Shared<[String]>([])
        let binder = MemoryBinder(bind: { _, _, policy, node in calls.withLock { $0.append("\(policy.rawValue) \(node)") }; return 0 },
                                  locate: MemoryBinder.system.locate)
        let regions = RegionBinder(policy: .bind, topology: topology, binder: binder)
        // Addresses only: the fake binder touches nothing.
        let first: UInt = 0x7000_0000_0000, second: UInt = 0x7000_0400_0000
        func region(_ address: UInt) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: address)! }
        let pinned = onThread {
            guard cs_pin_to_cpu(1) == 0 else { return false }
            regions.regionMapped(UnsafeMutableRawPointer(bitPattern: first)!, length: 1 << 26, extending: nil)
            return true
        }
        try #require(pinned, "pinning to CPU 1, which this process may use, was refused")
        // The region extending it is made on another thread: it still goes to node 1.
        onThread {
            _ = cs_pin_to_cpu(0)
            regions.regionMapped(UnsafeMutableRawPointer(bitPattern: second)!, length: 1 << 26, extending: UnsafeMutableRawPointer(bitPattern: first))
            return true
        }
        #expect(regions.node(ofRegion: first) == 1)
        #expect(regions.node(ofRegion: second) == 1)
        #expect(calls.withLock { $0 } == ["bind 1", "bind 1"])
        #expect(regions.outcome.bound == 2 && regions.outcome.refused.isEmpty)
        let refusing = RegionBinder(policy: .preferred, topology: topology, binder: .refusingBind(EPERM))
        refusing.regionMapped(region(first), length: 1 << 26, extending: nil)
        #expect(refusing.outcome.bound == 0 && refusing.outcome.refused == [EPERM])
    }

    /// Runs `body` on a thread of its own (so that pinning it leaves the test's thread alone).
    @discardableResult
    func onThread(_ body: @escaping @Sendable () -> Bool) -> Bool {
        let result = Shared(false)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let r = body()
            result.withLock { $0 = r }
            done.signal()
        }.start()
        done.wait()
        return result.withLock { $0 }
    }
}

/// A value threads share, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
