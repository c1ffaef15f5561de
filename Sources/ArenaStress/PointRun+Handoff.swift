import Atomics
import Contention
import Glibc
import HeapCheck
import Randomness
import Scenario
import Scheduler
import Targets

/// The hand-over structures of a `handoff` phase: per producer, a queue of filled
/// batches (a ring of 8) and a pool of 16 batch buffers, so that a producer never
/// refills a buffer that is queued or being freed.
final class HandoffLanes: @unchecked Sendable {
    static let queueCapacity = 8
    static let buffers = 16
    let queues: [HandoffRing]
    /// Per producer: `buffers` buffers of a count word, then (address, size, id) per block.
    let pools: [UnsafeMutableRawPointer]
    let batch: Int
    /// Per producer: set once it has queued its last batch.
    let finished: UnsafeMutableRawPointer

    init(producers: Int, batch: Int) {
        self.batch = batch
        queues = (0..<producers).map { _ in HandoffRing(capacity: Self.queueCapacity) }
        pools = (0..<producers).map { _ in .allocate(byteCount: Self.buffers * Self.bufferBytes(batch), alignment: 64) }
        finished = .allocate(byteCount: max(producers, 1) * 64, alignment: 64)
        finished.initializeMemory(as: UInt8.self, repeating: 0, count: max(producers, 1) * 64)
    }

    deinit {
        pools.forEach { $0.deallocate() }
        finished.deallocate()
    }

    static func bufferBytes(_ batch: Int) -> Int { 16 + batch * 24 }

    func done(_ producer: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (finished + producer * 64).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }
}

extension PointRun {
    /// Producers and consumers of a handoff phase with `threads` workers: the first
    /// `producers` workers produce; producer p feeds consumer `producers + p % consumers`.
    static func producerCount(_ spec: HandoffSpec, threads: Int) -> Int {
        guard threads > 1 else { return 1 }
        return min(threads - 1, max(1, Int((Double(threads) * spec.producers).rounded())))
    }

    func handoff(_ worker: WorkerContext, _ spec: HandoffSpec, _ random: inout SplitMix64) -> Int {
        let lanes = handoffLanes!
        let producers = Self.producerCount(spec, threads: threads)
        let me = worker.index
        if threads == 1 { return produce(worker, spec, lanes, &random, selfConsume: true) }
        if me < producers { return produce(worker, spec, lanes, &random, selfConsume: false) }
        let consumers = threads - producers
        let mine = (0..<producers).filter { producers + $0 % consumers == me }
        let h = handles[me], log = worker.opLog
        var ops = 0
        while true {
            var got = false
            var allDone = true
            for p in mine {
                if lanes.done(p).load(ordering: .acquiring) == 0 { allDone = false }
                lanes.queues[p].drain { buffer in
                    ops += consumeBatch(buffer!, h, me, log)
                    got = true
                }
            }
            progress(me).store(ops, ordering: .relaxed)
            // A producer marks itself done after its last push: one more pass empties its queue.
            if allDone && !got { break }
            if !got { sched_yield() }
        }
        return ops
    }

    private func produce(_ worker: WorkerContext, _ spec: HandoffSpec, _ lanes: HandoffLanes, _ random: inout SplitMix64,
                         selfConsume: Bool) -> Int {
        let me = worker.index, h = handles[me], log = worker.opLog
        defer { lanes.done(me).store(1, ordering: .releasing) }
        var id = nextID(me)
        defer { setNextID(me, id) }
        var remaining = Int.max, deadline = UInt64.max
        switch spec.length {
        case .ops(let ops): remaining = ops
        case .duration(let ns): deadline = monotonicNanoseconds() &+ UInt64(ns)
        }
        var made = 0, n = 0, stopped = false
        while !stopped && remaining > 0 && (deadline == .max || monotonicNanoseconds() < deadline) {
            let buffer = lanes.pools[me] + (n % HandoffLanes.buffers) * HandoffLanes.bufferBytes(lanes.batch)
            n += 1
            let count = min(lanes.batch, remaining)
            if remaining != .max { remaining -= count }
            // A NULL leaves its place in the batch out; the batch goes on.
            var filled = 0, calls = 0
            for _ in 0..<count {
                let bytes = spec.size.sample(&random)
                calls += 1
                guard let p = T.malloc(h, bytes) else {
                    if allocationFailed(me, .malloc, bytes) { continue }
                    stopped = true
                    break
                }
                id &+= 1
                if verifiesContents { ContentPattern.fill(p, requestSize: bytes, id: id, coverage: contentCoverage) }
                let entry = buffer + 16 + filled * 24
                entry.storeBytes(of: UInt(bitPattern: p), as: UInt.self)
                entry.storeBytes(of: bytes, toByteOffset: 8, as: Int.self)
                entry.storeBytes(of: id, toByteOffset: 16, as: UInt64.self)
                log.record(.malloc, slot: filled, size: bytes, address: p)
                filled += 1
            }
            buffer.storeBytes(of: filled, as: Int.self)
            made += calls
            progress(me).store(made, ordering: .relaxed)
            if selfConsume {
                made += consumeBatch(buffer, h, me, log)
            } else {
                while !lanes.queues[me].push(buffer) { sched_yield() }
            }
        }
        return made
    }

    /// Frees every block of a batch buffer, each checked first; returns the frees.
    private func consumeBatch(_ buffer: UnsafeMutableRawPointer, _ h: T.Handle, _ me: Int, _ log: OpLog) -> Int {
        let count = buffer.load(as: Int.self)
        for i in 0..<count {
            let entry = buffer + 16 + i * 24
            let address = entry.load(as: UInt.self), bytes = entry.load(fromByteOffset: 8, as: Int.self)
            let id = entry.load(fromByteOffset: 16, as: UInt64.self)
            let p = UnsafeMutableRawPointer(bitPattern: address)!
            if verifiesContents && !ContentPattern.isIntact(p, requestSize: bytes, id: id, coverage: contentCoverage) {
                let offset = ContentPattern.firstMismatch(in: p, requestSize: bytes, id: id, coverage: contentCoverage) ?? 0
                report(me, "G3", "handed block 0x\(String(address, radix: 16)) (\(bytes) bytes) changed at offset \(offset)")
                continue
            }
            T.free(h, p)
            log.record(.free, slot: i, size: bytes, address: p)
        }
        return count
    }
}
