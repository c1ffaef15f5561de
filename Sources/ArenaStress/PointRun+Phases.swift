import Contention
import Glibc
import HeapCheck
import Randomness
import Reporting
import Scenario
import Scheduler
import Targets

// The workers' loops, one per phase kind. Each copies what it uses into locals (the
// worker's table, handle and generator) so that the loop touches no shared object, and
// returns the operations it made.
extension PointRun {
    /// How often a worker publishes its progress and looks at its inbox or the clock.
    static var progressInterval: Int { 1024 }

    func allocate(_ worker: WorkerContext, count: Int, size: SizeDistribution, _ random: inout SplitMix64) -> Int {
        let me = worker.index, h = handles[me]
        var log = worker.opLog.writer()
        defer { worker.opLog.commit(log) }
        var table = tables[me]
        defer { tables[me] = table }
        table.reserve(table.count + count)
        var id = nextID(me)
        defer { setNextID(me, id) }
        let verify = verifiesContents
        let latency = latencies[me]
        for op in 0..<count {
            let bytes = size.sample(&random)
            let timed = OpLatencies.sampled(op), start = timed ? monotonicNanoseconds() : 0
            guard let p = T.malloc(h, bytes) else { return failed(me, "malloc(\(bytes))", op) }
            if timed { latency.recordAllocation(since: start) }
            id &+= 1
            if verify { ContentPattern.fill(p, requestSize: bytes, id: id, coverage: .headAndTail) }
            table.set(table.count, address: UInt(bitPattern: p), size: bytes, id: id)
            log.record(.malloc, slot: table.count, size: bytes, address: p)
            table.count += 1
            if op & (Self.progressInterval - 1) == 0 { progress(me).store(op, ordering: .relaxed) }
        }
        return count
    }

    func free(_ worker: WorkerContext, _ spec: FreeSpec, _ random: inout SplitMix64) -> Int {
        let me = worker.index, h = handles[me]
        var log = worker.opLog.writer()
        defer { worker.opLog.commit(log) }
        var table = tables[me]
        defer { tables[me] = table }
        let live = table.count
        let n: Int = switch spec.amount {
        case .fraction(let f): min(live, Int((Double(live) * f).rounded()))
        case .count(let c): min(live, c)
        }
        var order: [Int]
        switch spec.order {
        case .fifo: order = Array(0..<n)
        case .lifo: order = Array((live - n..<live).reversed())
        case .random:
            // A partial Fisher-Yates shuffle: the first n of a random order.
            order = Array(0..<live)
            for i in 0..<n { order.swapAt(i, i + random.below(live - i)) }
        }
        let verify = verifiesContents
        let latency = latencies[me]
        for (op, slot) in order.prefix(n).enumerated() {
            let address = table.address(slot)
            if verify { guard intact(table, slot, me, "free") else { continue } }
            let timed = OpLatencies.sampled(op), start = timed ? monotonicNanoseconds() : 0
            T.free(h, UnsafeMutableRawPointer(bitPattern: address))
            if timed { latency.recordFree(since: start) }
            log.record(.free, slot: slot, size: table.size(slot), address: UnsafeMutableRawPointer(bitPattern: address))
            table.clear(slot)
            if op & (Self.progressInterval - 1) == 0 { progress(me).store(op, ordering: .relaxed) }
        }
        table.compact()
        return n
    }

    func churn(_ worker: WorkerContext, _ spec: ChurnSpec, ops stepOps: Int?, _ rng: inout SplitMix64) -> Int {
        // Most churns only malloc and free, locally: that loop is compiled apart, without
        // the other calls' code and the values they keep live.
        let weights = ChurnWeights(spec.mix, remoteFree: threads > 1 ? spec.remoteFree : 0)
        if weights.isMallocAndFreeOnly { return churn(worker, spec, ops: stepOps, &rng, weights, mallocAndFreeOnly: true) }
        return churn(worker, spec, ops: stepOps, &rng, weights, mallocAndFreeOnly: false)
    }

    @inline(__always)
    private func churn(_ worker: WorkerContext, _ spec: ChurnSpec, ops stepOps: Int?, _ rng: inout SplitMix64,
                       _ weights: ChurnWeights, mallocAndFreeOnly simple: Bool) -> Int {
        let me = worker.index, h = handles[me]
        var log = worker.opLog.writer()
        defer { worker.opLog.commit(log) }
        // A local generator stays in registers; the inout one would be stored every op.
        var random = rng
        defer { rng = random }
        var table = tables[me]
        defer { tables[me] = table }
        let live = spec.live
        table.reserve(live)
        table.count = max(table.count, live)
        // Each op makes at most one block: its id is the op's number past the worker's
        // next id, with no counter to carry from op to op.
        let firstID = nextID(me)
        let inbox = inboxes[me], outbox = inboxes[(me + 1) % threads]
        let size = spec.size
        var deadline: UInt64 = .max, limit = Int.max
        switch spec.length {
        case .ops(let ops): limit = stepOps ?? ops
        case .duration(let ns): deadline = monotonicNanoseconds() &+ UInt64(ns)
        }
        let verify = verifiesContents
        let latency = latencies[me]
        // The ops' random words are drawn a batch ahead: after the free-or-malloc branch
        // mispredicts (half the time: slots are full or empty at random), the next op's
        // slot is a load away instead of a chain of multiplies.
        let ahead = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        defer { ahead.deallocate() }
        var opWords = WyRand(seed: random.next())
        var op = 0
        defer { setNextID(me, firstID &+ UInt64(op)) }
        while op < limit {
            if op & 63 == 0 {
                for i in 0..<64 { ahead[i] = opWords.next() }
                if op & (Self.progressInterval - 1) == 0 {
                    progress(me).store(op, ordering: .relaxed)
                    inbox.drain { T.free(h, $0) }
                    if deadline != .max && monotonicNanoseconds() >= deadline { break }
                }
            }
            let r = ahead[op & 63]
            let timed = OpLatencies.sampled(op)
            op += 1
            let slot = Int(r.multipliedFullWidth(by: UInt64(live)).high)
            let address = table.address(slot)
            let choice = r & 0xFFFF_FFFF
            if address != 0 {
                let p = UnsafeMutableRawPointer(bitPattern: address)!
                if verify { guard intact(table, slot, me, "churn") else { table.clear(slot); continue } }
                if !simple && choice < weights.realloc {
                    let bytes = size.sample(word: r, &random)
                    let start = timed ? monotonicNanoseconds() : 0
                    guard let q = T.realloc(h, p, bytes) else { return failed(me, "realloc(\(bytes))", op) }
                    if timed { latency.recordAllocation(since: start) }
                    // The bytes both sizes cover must have moved with the block.
                    if verify && min(bytes, table.size(slot)) >= 8 && q.load(as: UInt64.self) != ContentPattern.word(for: table.id(slot)) {
                        report(me, "G3", "realloc(0x\(String(address, radix: 16)), \(bytes)) lost the block's contents")
                    }
                    let id = firstID &+ UInt64(op)
                    if verify { ContentPattern.fill(q, requestSize: bytes, id: id, coverage: .headAndTail) }
                    table.set(slot, address: UInt(bitPattern: q), size: bytes, id: id)
                    log.record(.realloc, slot: slot, size: bytes, address: q)
                } else if !simple && choice < weights.remote && outbox.push(p) {
                    log.record(.remoteFree, slot: slot, size: table.size(slot), address: p)
                    table.clear(slot)
                } else {
                    let start = timed ? monotonicNanoseconds() : 0
                    T.free(h, p)
                    if timed { latency.recordFree(since: start) }
                    log.record(.free, slot: slot, size: table.size(slot), address: p)
                    table.clear(slot)
                }
            } else {
                let bytes = size.sample(word: r, &random)
                let q: UnsafeMutableRawPointer?
                let kind: OpLog.Kind
                let start = timed ? monotonicNanoseconds() : 0
                if simple || choice < weights.malloc {
                    q = T.malloc(h, bytes)
                    kind = .malloc
                } else if choice < weights.calloc {
                    q = T.calloc(h, 1, bytes)
                    kind = .calloc
                    if verify, let q, bytes >= 8 && (q.load(as: UInt64.self) != 0 || q.loadUnaligned(fromByteOffset: bytes - 8, as: UInt64.self) != 0) {
                        report(me, "G3", "calloc(1, \(bytes)) returned 0x\(String(UInt(bitPattern: q), radix: 16)) not zeroed")
                    }
                } else {
                    let alignment = 32 << Int((r >> 32) % 8)
                    q = T.memalign(h, alignment, bytes)
                    kind = .memalign
                    if let q, UInt(bitPattern: q) % UInt(alignment) != 0 {
                        report(me, "G3", "memalign(\(alignment), \(bytes)) returned a misaligned 0x\(String(UInt(bitPattern: q), radix: 16))")
                    }
                }
                if timed { latency.recordAllocation(since: start) }
                guard let q else { return failed(me, "\(kind)(\(bytes))", op) }
                let id = firstID &+ UInt64(op)
                if verify { ContentPattern.fill(q, requestSize: bytes, id: id, coverage: .headAndTail) }
                table.set(slot, address: UInt(bitPattern: q), size: bytes, id: id)
                log.record(kind, slot: slot, size: bytes, address: q)
            }
        }
        table.compact()
        return op
    }

    /// Whether workers write each block's pattern and check it before every free: when
    /// any check runs at all (`check: never` everywhere turns both off).
    var verifiesContents: Bool {
        scenario.check != .never || scenario.phases.contains { $0.check.map { $0 != .never } ?? false }
    }

    /// Checks a block's pattern before it is freed or reallocated; a changed block is
    /// reported and left alone (freeing it could make the allocator follow the damage).
    @inline(__always)
    func intact(_ table: BlockTable, _ slot: Int, _ me: Int, _ phase: String) -> Bool {
        let p = UnsafeRawPointer(bitPattern: table.address(slot))!
        if ContentPattern.headAndTailIntact(p, requestSize: table.size(slot), id: table.id(slot)) { return true }
        let offset = ContentPattern.firstMismatch(in: p, requestSize: table.size(slot), id: table.id(slot), coverage: .headAndTail) ?? 0
        report(me, "G3", "live block 0x\(String(table.address(slot), radix: 16)) (\(table.size(slot)) bytes) changed at offset \(offset) before its \(phase == "free" ? "free" : "next use")")
        return false
    }

    func report(_ worker: Int, _ invariant: String, _ message: String) {
        problems.withLock { $0.append(ViolationRecord(phase: "", invariant: invariant, message: "worker \(worker): \(message)", detail: "")) }
    }

    func failed(_ worker: Int, _ call: String, _ op: Int) -> Int {
        report(worker, "alloc", "\(call) returned NULL")
        return op
    }

    func nextID(_ worker: Int) -> UInt64 { shared.load(fromByteOffset: worker * 64 + 8, as: UInt64.self) }
    func setNextID(_ worker: Int, _ id: UInt64) { shared.storeBytes(of: id, toByteOffset: worker * 64 + 8, as: UInt64.self) }
}

/// A churn's mix as thresholds on 32 random bits: for a full slot, realloc below
/// `realloc`, a remote free below `remote`, else a free; for an empty slot, malloc below
/// `malloc`, calloc below `calloc`, else memalign.
struct ChurnWeights {
    var realloc: UInt64
    var remote: UInt64
    var malloc: UInt64
    var calloc: UInt64

    init(_ mix: Mix, remoteFree: Double) {
        let scale = Double(UInt64(1) << 32)
        let all = mix.malloc + mix.realloc + mix.calloc + mix.memalign
        let pRealloc = all > 0 ? mix.realloc / all : 0
        realloc = UInt64(pRealloc * scale)
        // remote_free is the share of the frees (not of all full-slot operations).
        remote = realloc + UInt64((1 - pRealloc) * remoteFree * scale)
        let fills = mix.malloc + mix.calloc + mix.memalign
        malloc = fills > 0 ? UInt64(mix.malloc / fills * scale) : UInt64(scale)
        calloc = malloc + (fills > 0 ? UInt64(mix.calloc / fills * scale) : 0)
        if fills > 0 && mix.memalign == 0 { calloc = UInt64(scale) }
    }

    /// No realloc, no remote free, every fill a malloc.
    var isMallocAndFreeOnly: Bool { realloc == 0 && remote == 0 && malloc >= UInt64(1) << 32 }
}
