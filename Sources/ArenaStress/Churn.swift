import ArenaModel
import Contention
import Scheduler
import Synchronization

/// Runs a `ChurnConfiguration` on a fresh model: pinned worker threads, a ledger of
/// every live block with its id written at its head and tail, frees handed between
/// workers, respawns, and (with the world stopped at every phase end) every handed
/// block freed, every live block checked, and the heap's invariants walked.
public final class Churn: @unchecked Sendable {
    /// Blocks another worker handed over to be freed.
    final class Inbox: Sendable { let blocks = Locked<[Block]>([]) }

    /// A live block: where, how big, and the id its pattern holds.
    struct Block: Sendable {
        var address: UInt
        var size: Int
        var id: UInt64
    }

    public let configuration: ChurnConfiguration
    /// The model the run drives.
    public let arenas: ArenaSet
    private let scheduler: Scheduler
    private var threads: [MallocThread]
    /// Each worker's slot table, raw so that workers never touch a shared Swift array.
    private let slots: [UnsafeMutablePointer<Block?>]
    private let inboxes: [Inbox]
    private let problems = Locked<[String]>([])
    private let mallocs = Atomic<Int>(0), frees = Atomic<Int>(0)
    private var phases: [ChurnResult.Phase] = []

    public init(_ c: ChurnConfiguration) {
        precondition(c.threads > 0 && c.liveSlots > 0, "a churn needs workers and slots")
        configuration = c
        let arenas = ArenaSet(tunables: c.tunables, policy: c.policy)
        self.arenas = arenas
        let cpus = Scheduler.allowedCPUs()
        let placement = c.placement ?? (0..<c.threads).map { cpus.isEmpty ? nil : cpus[$0 % cpus.count] }
        scheduler = Scheduler(placement: placement, seed: c.seed)
        threads = (0..<c.threads).map { _ in arenas.attachThread() }
        slots = (0..<c.threads).map { _ in
            let table = UnsafeMutablePointer<Block?>.allocate(capacity: c.liveSlots)
            table.initialize(repeating: nil, count: c.liveSlots)
            return table
        }
        inboxes = (0..<c.threads).map { _ in Inbox() }
    }

    deinit { slots.forEach { $0.deallocate() } }

    /// Runs every phase, then frees what is left.
    public func run() -> ChurnResult {
        arenas.resetLockUses()
        scheduler.run(phases: configuration.phases, body: { [self] worker, _ in churn(worker) },
                      checkpoint: { [self] phase in endPhase(phase) },
                      respawnAfter: { [self] in $0 == configuration.respawnAfterPhase },
                      onRespawn: { [self] worker in
                          arenas.detach(threads[worker.index])
                          threads[worker.index] = arenas.attachThread()
                      })
        var live = 0
        for w in slots.indices {
            for k in 0..<configuration.liveSlots {
                guard let block = slots[w][k] else { continue }
                free(block, by: threads[w])
                live += 1
            }
        }
        return ChurnResult(problems: problems.withLock { $0 } + arenas.violations.map(\.description), phases: phases,
                           mallocs: mallocs.load(ordering: .relaxed), frees: frees.load(ordering: .relaxed) - live,
                           liveAtEnd: live, arenas: arenas.arenaCount, threadsStarted: scheduler.threadsStarted)
    }

    private func churn(_ worker: WorkerContext) {
        let me = worker.index, n = threads.count
        let t = threads[me]
        let mine = slots[me]
        let liveSlots = configuration.liveSlots
        let remote = UInt64(configuration.remoteFreePercent)
        let bigSizes = UInt64(max(configuration.maxSize, 1))
        // The generator is copied out: workers' contexts may share a cache line.
        var random = worker.random
        var done = 0
        defer {
            worker.random = random
            worker.ops += done
        }
        for op in 0..<configuration.opsPerPhase {
            done = op + 1
            if op & 31 == 0 { drain(me) }
            let r = random.next()
            let k = Int(r % UInt64(liveSlots))
            if let block = mine[k] {
                mine[k] = nil
                if n > 1 && (r >> 16) % 100 < remote {
                    let other = (me + 1 + Int((r >> 24) % UInt64(n - 1))) % n
                    inboxes[other].blocks.withLock { $0.append(block) }
                    worker.opLog.record(.remoteFree, slot: k, size: block.size, address: UnsafeMutableRawPointer(bitPattern: block.address))
                } else {
                    free(block, by: t)
                    worker.opLog.record(.free, slot: k, size: block.size, address: UnsafeMutableRawPointer(bitPattern: block.address))
                }
            } else {
                let size = (r >> 32) % 10 == 0 ? Int((r >> 40) % bigSizes) + 1 : Int((r >> 40) % 993) + 8
                let id = (UInt64(me) << 48) ^ UInt64(op) ^ (r & 0xFFFF_FFFF_0000_0000)
                let calloc = (r >> 20) % 8 == 0
                guard let p = calloc ? t.calloc(1, size) : t.malloc(size) else {
                    problems.withLock { $0.append("worker \(me): allocation of \(size) bytes failed") }
                    return
                }
                mallocs.add(1, ordering: .relaxed)
                let block = Block(address: UInt(bitPattern: p), size: size, id: id)
                write(block)
                worker.opLog.record(calloc ? .calloc : .malloc, slot: k, size: size, address: p)
                mine[k] = block
            }
        }
    }

    private func write(_ b: Block) {
        let p = UnsafeMutableRawPointer(bitPattern: b.address)!
        // The id at the head, and at the tail where the two do not overlap.
        if b.size >= 8 { p.storeBytes(of: b.id, as: UInt64.self) }
        if b.size >= 16 { p.storeBytes(of: b.id, toByteOffset: b.size - 8, as: UInt64.self) }
    }

    private func intact(_ b: Block) -> Bool {
        let p = UnsafeMutableRawPointer(bitPattern: b.address)!
        if b.size >= 8 && p.load(as: UInt64.self) != b.id { return false }
        return b.size < 16 || p.loadUnaligned(fromByteOffset: b.size - 8, as: UInt64.self) == b.id
    }

    private func free(_ b: Block, by t: MallocThread) {
        if !intact(b) { problems.withLock { $0.append("block \(b.id) at 0x\(String(b.address, radix: 16)) was overwritten") } }
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

    /// With the world stopped: the phase's figures taken, every handed block freed by its
    /// receiver, and (when asked) every live block and the heap checked.
    private func endPhase(_ phase: Int) {
        for w in threads.indices { drain(w) }
        phases.append(ChurnResult.Phase(nanoseconds: scheduler.workers.map { $0.phaseNanoseconds[phase] }.max() ?? 0,
                                        ops: scheduler.workers.reduce(0) { $0 + $1.ops },
                                        lockUses: arenas.lockUses()))
        arenas.resetLockUses()
        guard configuration.checkEveryPhase else { return }
        for w in slots.indices {
            for k in 0..<configuration.liveSlots {
                if let b = slots[w][k], !intact(b) {
                    problems.withLock { $0.append("phase \(phase): live block \(b.id) was overwritten") }
                }
            }
        }
        let found = arenas.checkInvariants()
        if !found.isEmpty { problems.withLock { $0.append(contentsOf: found.prefix(5).map { "phase \(phase): \($0)" }) } }
    }
}
