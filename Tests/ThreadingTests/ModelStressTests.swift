import ArenaModel
import Contention
import Glibc
import Scheduler
import Synchronization
import Testing

/// The model under threads: a ledger of live blocks with their patterns, frees handed
/// to other threads, thread churn, and a full check with the world stopped.
@Suite struct ModelStressTests {
    /// Operations per thread; `ARENASTRESS_STRESS_OPS` overrides (the ThreadSanitizer run
    /// uses fewer).
    static var opsPerThread: Int {
        getenv("ARENASTRESS_STRESS_OPS").flatMap { Int(String(cString: $0)) } ?? 1_000_000
    }

    /// The acceptance run: 8 threads on this machine's cores, shared arena, churn with a
    /// quarter of the frees remote, a respawn of every thread, a check at every phase end.
    @Test func eightThreadsOnASharedArena() {
        let result = StressRun(threads: 8, policy: .shared, opsPerThread: Self.opsPerThread, seed: 2024).run()
        print("stress shared: \(result.summary)")
        #expect(result.problems.count == 0, "\(result.problems.prefix(3))")
        #expect(result.contended > 0)
        #expect(result.frees == result.mallocs - result.liveAtEnd)
    }

    @Test func perThreadArenasBarelyContend() {
        let result = StressRun(threads: 8, policy: .perThread, opsPerThread: Self.opsPerThread / 4, seed: 7, remoteFree: 0).run()
        print("stress per-thread: \(result.summary)")
        #expect(result.problems.count == 0, "\(result.problems.prefix(3))")
        #expect(result.arenas >= 8)
        #expect(result.contentionRate < 0.001)
    }

    @Test func glibcPolicyRespectsArenaMax() {
        var tunables = Tunables()
        tunables.arenaMax = 3
        let result = StressRun(threads: 6, policy: .glibc, opsPerThread: Self.opsPerThread / 8, seed: 11, tunables: tunables).run()
        print("stress glibc arena_max 3: \(result.summary)")
        #expect(result.problems.count == 0, "\(result.problems.prefix(3))")
        #expect(result.arenas == 3)
    }
}

/// One stress run and what it found.
final class StressRun: @unchecked Sendable {
    struct Result {
        var problems: [String]
        var mallocs: Int, frees: Int, liveAtEnd: Int
        var acquisitions: Int, contended: Int, arenas: Int
        var contentionRate: Double { acquisitions == 0 ? 0 : Double(contended) / Double(acquisitions) }
        var summary: String {
            "\(mallocs) mallocs, \(frees) frees, \(liveAtEnd) live, \(arenas) arenas, \(acquisitions) lock acquisitions, \(contended) contended"
        }
    }

    /// Blocks another worker handed over to be freed.
    final class Inbox: Sendable { let blocks = Mutex<[Block]>([]) }

    /// A live block: where, how big, and the id whose pattern it holds.
    struct Block: Sendable { var address: UInt; var size: Int; var id: UInt64 }

    let set: ArenaSet
    let scheduler: Scheduler
    let opsPerPhase: Int
    let remoteFree: UInt64
    let liveSlots = 512
    var threads: [MallocThread]
    var slots: [[Block?]]
    let inboxes: [Inbox]
    let problems = Mutex<[String]>([])
    let mallocs = Atomic<Int>(0), frees = Atomic<Int>(0)

    init(threads n: Int, policy: ArenaPolicy, opsPerThread: Int, seed: UInt64, remoteFree: Int = 25,
         tunables: Tunables = Tunables()) {
        let set = ArenaSet(tunables: tunables, policy: policy)
        self.set = set
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = Int(cs_allowed_cpus_wrapper(&cpus))
        scheduler = Scheduler(placement: (0..<n).map { Int(cpus[$0 % count]) }, seed: seed)
        opsPerPhase = opsPerThread / 3
        self.remoteFree = UInt64(remoteFree)
        threads = (0..<n).map { _ in set.attachThread() }
        slots = Array(repeating: Array(repeating: nil, count: liveSlots), count: n)
        inboxes = (0..<n).map { _ in Inbox() }
        print("StressRun seed \(seed), \(n) threads, \(policy)")
    }

    func run() -> Result {
        scheduler.run(phases: 3, body: { [self] worker, _ in churn(worker) },
                      checkpoint: { [self] _ in checkpoint() },
                      respawnAfter: { $0 == 0 },
                      onRespawn: { [self] worker in
                          set.detach(threads[worker.index])
                          threads[worker.index] = set.attachThread()
                      })
        drainAll()
        var live = 0
        for w in slots.indices {
            for case let block? in slots[w] {
                free(block, by: threads[w])
                live += 1
            }
        }
        let uses = set.lockUsesByArena().values
        return Result(problems: problems.withLock { $0 } + set.violations.map(\.description),
                      mallocs: mallocs.load(ordering: .relaxed), frees: frees.load(ordering: .relaxed) - live,
                      liveAtEnd: live, acquisitions: uses.reduce(0) { $0 + $1.acquisitions },
                      contended: uses.reduce(0) { $0 + $1.contended }, arenas: set.arenaCount)
    }

    private func churn(_ worker: WorkerContext) {
        let me = worker.index
        let t = threads[me]
        for op in 0..<opsPerPhase {
            if op & 31 == 0 { drain(me) }
            let r = worker.random.next()
            let k = Int(r % UInt64(liveSlots))
            if let block = slots[me][k] {
                slots[me][k] = nil
                if (r >> 16) % 100 < remoteFree && threads.count > 1 {
                    let other = (me + 1 + Int((r >> 24) % UInt64(threads.count - 1))) % threads.count
                    inboxes[other].blocks.withLock { $0.append(block) }
                } else {
                    free(block, by: t)
                }
            } else {
                let size = (r >> 32) % 10 == 0 ? Int((r >> 40) % 6000) + 1 : Int((r >> 40) % 1000) + 8
                let id = (UInt64(me) << 48) | UInt64(op) | (r & 0xFFFF_0000_0000)
                let p: UnsafeMutableRawPointer? = (r >> 20) % 8 == 0 ? t.calloc(1, size) : t.malloc(size)
                guard let p else { problems.withLock { $0.append("worker \(me): allocation of \(size) failed") }; return }
                mallocs.add(1, ordering: .relaxed)
                let block = Block(address: UInt(bitPattern: p), size: size, id: id)
                write(block)
                worker.opLog.record(.malloc, slot: k, size: size, address: p)
                slots[me][k] = block
            }
        }
    }

    private func write(_ b: Block) {
        let p = UnsafeMutableRawPointer(bitPattern: b.address)!
        // The id at the head, and at the tail where the two do not overlap.
        if b.size >= 8 { p.storeBytes(of: b.id, toByteOffset: 0, as: UInt64.self) }
        if b.size >= 16 { p.storeBytes(of: b.id, toByteOffset: b.size - 8, as: UInt64.self) }
    }

    private func intact(_ b: Block) -> Bool {
        let p = UnsafeMutableRawPointer(bitPattern: b.address)!
        if b.size >= 8 && p.load(as: UInt64.self) != b.id { return false }
        return b.size < 16 || p.loadUnaligned(fromByteOffset: b.size - 8, as: UInt64.self) == b.id
    }

    private func free(_ b: Block, by t: MallocThread) {
        if !intact(b) { problems.withLock { $0.append("block \(b.id) at 0x\(String(b.address, radix: 16)) overwritten") } }
        t.free(UnsafeMutableRawPointer(bitPattern: b.address))
        frees.add(1, ordering: .relaxed)
    }

    private func drain(_ worker: Int) {
        let handed = inboxes[worker].blocks.withLock { inbox in
            let all = inbox
            inbox.removeAll(keepingCapacity: true)
            return all
        }
        for b in handed { free(b, by: threads[worker]) }
    }

    private func drainAll() { for w in threads.indices { drain(w) } }

    /// With the world stopped: every handed-over block freed, every live block intact,
    /// the heap sound.
    private func checkpoint() {
        drainAll()
        for w in slots.indices {
            for case let b? in slots[w] where !intact(b) {
                problems.withLock { $0.append("live block \(b.id) overwritten") }
            }
        }
        let found = set.checkInvariants()
        if !found.isEmpty { problems.withLock { $0.append(contentsOf: found.prefix(5)) } }
    }
}
