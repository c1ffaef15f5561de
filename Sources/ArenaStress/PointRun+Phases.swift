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
            guard let p = T.malloc(h, bytes) else {
                if allocationFailed(me, .malloc, bytes) { continue }
                return op
            }
            if timed { latency.recordAllocation(since: start) }
            id &+= 1
            if verify { ContentPattern.fill(p, requestSize: bytes, id: id, coverage: contentCoverage) }
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
        let weights = ChurnWeights(spec.mix, remoteFree: threads > 1 ? spec.remoteFree : 0)
        var deadline: UInt64 = .max, limit = Int.max
        switch spec.length {
        case .ops(let ops): limit = stepOps ?? ops
        case .duration(let ns): deadline = monotonicNanoseconds() &+ UInt64(ns)
        }
        // The malloc-and-free loop takes every size from the batch: sizes drawn op by op
        // (log-normal, weighted, ...) go through the general loop.
        let simple = weights.isMallocAndFreeOnly && OpBatch.drawsSizes(spec)
        return switch (simple, verifiesContents) {
        case (true, false): churn(ChurnLoop<T, MallocFreeUnchecked>(self, worker, spec, weights, rng), worker, limit, deadline, &rng)
        case (true, true): churn(ChurnLoop<T, MallocFreeChecked>(self, worker, spec, weights, rng), worker, limit, deadline, &rng)
        case (false, false): churn(ChurnLoop<T, EveryCallUnchecked>(self, worker, spec, weights, rng), worker, limit, deadline, &rng)
        case (false, true): churn(ChurnLoop<T, EveryCallChecked>(self, worker, spec, weights, rng), worker, limit, deadline, &rng)
        }
    }

    private func churn<Mode>(_ loop: consuming ChurnLoop<T, Mode>, _ worker: WorkerContext, _ limit: Int, _ deadline: UInt64,
                             _ rng: inout SplitMix64) -> Int {
        let ops = loop.run(limit: limit, deadline: deadline)
        if loop.weights.remote > loop.weights.realloc {
            // Until every worker is done, this one's inbox keeps draining: a sender waiting
            // on its full ring gets room (see `FinishLine`).
            finishLine.arrive()
            while !finishLine.allArrived(threads) {
                let h = loop.handle
                loop.inbox.drain { T.free(h, $0) }
                sched_yield()
            }
            shared.storeBytes(of: loop.frees, toByteOffset: worker.index * 64 + 48, as: Int.self)
            shared.storeBytes(of: loop.remoteFrees, toByteOffset: worker.index * 64 + 56, as: Int.self)
        }
        loop.batch.deallocate()
        loop.table.compact()
        tables[worker.index] = loop.table
        worker.opLog.commit(loop.log)
        setNextID(worker.index, loop.firstID &+ UInt64(ops))
        rng = loop.random
        return ops
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
        if ContentPattern.isIntact(p, requestSize: table.size(slot), id: table.id(slot), coverage: contentCoverage) { return true }
        reportChanged(table, slot, me, phase)
        return false
    }

    /// Reports the block in `slot`, found changed before its free or next use.
    func reportChanged(_ table: BlockTable, _ slot: Int, _ me: Int, _ phase: String) {
        let p = UnsafeRawPointer(bitPattern: table.address(slot))!
        let offset = ContentPattern.firstMismatch(in: p, requestSize: table.size(slot), id: table.id(slot), coverage: contentCoverage) ?? 0
        report(me, "G3", "live block 0x\(String(table.address(slot), radix: 16)) (\(table.size(slot)) bytes) changed at offset \(offset) before its \(phase == "free" ? "free" : "next use")")
    }

    func report(_ worker: Int, _ invariant: String, _ message: String) {
        problems.withLock { $0.append(ViolationRecord(phase: "", invariant: invariant, message: "worker \(worker): \(message)", detail: "")) }
    }

    /// The step's frees and remote frees over all workers (counted by churns that make
    /// remote frees), zeroed for the next step; only with the world stopped.
    func takeFreeCounts() -> (frees: Int, remote: Int) {
        var counts = (frees: 0, remote: 0)
        for i in 0..<threads {
            counts.frees += shared.load(fromByteOffset: i * 64 + 48, as: Int.self)
            counts.remote += shared.load(fromByteOffset: i * 64 + 56, as: Int.self)
            shared.storeBytes(of: 0, toByteOffset: i * 64 + 48, as: Int.self)
            shared.storeBytes(of: 0, toByteOffset: i * 64 + 56, as: Int.self)
        }
        return counts
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
