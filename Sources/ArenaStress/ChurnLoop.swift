import Contention
import Glibc
import HeapCheck
import Randomness
import Scenario
import Scheduler
import Targets

/// What a churn loop is compiled for: one copy of the loop for each mode (and target),
/// each keeping only its own code.
protocol ChurnMode {
    /// Only malloc and free, and no remote frees: most churns.
    static var simple: Bool { get }
    /// Patterns written into every block and checked before its free (as much of the
    /// block as `check_content` says): off when every check is (`check: never`).
    static var verify: Bool { get }
}

enum MallocFreeUnchecked: ChurnMode {
    static var simple: Bool { true }
    static var verify: Bool { false }
}

enum MallocFreeChecked: ChurnMode {
    static var simple: Bool { true }
    static var verify: Bool { true }
}

enum EveryCallUnchecked: ChurnMode {
    static var simple: Bool { false }
    static var verify: Bool { false }
}

enum EveryCallChecked: ChurnMode {
    static var simple: Bool { false }
    static var verify: Bool { true }
}

/// One worker's churn phase: its table, log, generator and handle as one value, and the
/// ops themselves. Ops are drawn a batch at a time (`OpBatch`), then made.
struct ChurnLoop<T: StressTarget, Mode: ChurnMode> {
    unowned(unsafe) let run: PointRun<T>
    let me: Int
    let handle: T.Handle
    var table: BlockTable
    var log: OpLog.Writer
    /// Draws the sizes not taken from the ops' words, and which op of a batch is timed.
    var random: SplitMix64
    var words: XorShiftPairs
    let batch = OpBatch()
    let live: Int
    let size: SizeDistribution
    /// How the batch draws the ops' sizes with their slots, if it does (else each op that
    /// needs one takes it from its word, or draws it from `random`).
    let drawnSizes: WordSizes?
    let weights: ChurnWeights
    unowned(unsafe) let latency: OpLatencies
    unowned(unsafe) let inbox: HandoffRing
    unowned(unsafe) let outbox: HandoffRing
    /// Each op makes at most one block: its id is the op's number past this.
    let firstID: UInt64
    /// How much of each block its pattern covers, written and checked.
    let coverage: PatternCoverage
    /// Frees made (realloc's aside) and of them those handed to another worker: counted
    /// by the loop with every call only, the one that makes remote frees.
    var frees = 0
    var remoteFrees = 0

    init(_ run: PointRun<T>, _ worker: WorkerContext, _ spec: ChurnSpec, _ weights: ChurnWeights, _ random: SplitMix64) {
        self.run = run
        me = worker.index
        handle = run.handles[me]
        table = run.tables[me]
        log = worker.opLog.writer()
        self.random = random
        words = XorShiftPairs(seed: self.random.next())
        live = spec.live
        size = spec.size
        drawnSizes = OpBatch.drawsSizes(spec) ? spec.size.wordSizes : nil
        self.weights = weights
        latency = run.latencies[me]
        inbox = run.inboxes[me]
        outbox = run.inboxes[(me + 1) % run.threads]
        firstID = run.nextID(me)
        coverage = run.contentCoverage
        table.reserve(live)
        table.count = max(table.count, live)
    }

    /// Makes up to `limit` ops, or ops until `deadline`; returns how many it made (fewer
    /// once the allocator has stopped: see `PointRun.allocationFailed`).
    mutating func run(limit: Int, deadline: UInt64) -> Int {
        var done = 0
        while done < limit {
            if done & (PointRun<T>.progressInterval - 1) == 0 {
                run.progress(me).store(done, ordering: .relaxed)
                let h = handle
                inbox.drain { T.free(h, $0) }
                if deadline != .max && monotonicNanoseconds() >= deadline { break }
            }
            let n = min(OpBatch.capacity, limit &- done)
            batch.draw(n, live: live, sizes: drawnSizes, choices: !Mode.simple, &words)
            // Op i of the batch makes block id `ids + i`.
            let ids = firstID &+ UInt64(truncatingIfNeeded: done &+ 1)
            // One call in `OpLatencies.interval` is timed: one op of every so many batches,
            // at a random place in it (at a fixed place, ops that alternate would only ever
            // time one kind of call).
            let timed = done & (OpLatencies.interval - 1) == 0 ? Int(truncatingIfNeeded: random.next() % UInt64(n)) : n
            if let failed = untimed(0, timed, ids: ids) { return done &+ failed &+ 1 }
            if timed < n {
                var log = log
                let made = op(timed, id: ids &+ UInt64(truncatingIfNeeded: timed), timed: true, table, batch, handle, coverage, &log)
                self.log = log
                if !made { return done &+ timed &+ 1 }
                if let failed = untimed(timed &+ 1, n, ids: ids) { return done &+ failed &+ 1 }
            }
            done &+= n
        }
        return done
    }

    /// Ops `from..<to` of the batch, none timed; the index of the one after which the
    /// allocator had stopped.
    // Out of line: with an allocator that inlines (the harness's), a loop without calls,
    // which keeps the table, log and batch in registers.
    @inline(never)
    mutating func untimed(_ from: Int, _ to: Int, ids: UInt64) -> Int? {
        // In locals, not read through `self` at every op: the loop's stores through raw
        // pointers could, for all the compiler knows, change `self`.
        let table = table, batch = batch, handle = handle, coverage = coverage
        var log = log
        defer { self.log = log }
        var i = from
        while i < to {
            if !op(i, id: ids &+ UInt64(truncatingIfNeeded: i), timed: false, table, batch, handle, coverage, &log) { return i }
            i &+= 1
        }
        return nil
    }

    /// Op `i` of the batch, which would make block `id`: frees the slot's block if it
    /// has one, else fills it; a NULL leaves the slot as it was. False once the allocator
    /// has stopped. (`table`, `batch`, `handle`, `coverage` and `log` are the loop's own,
    /// passed in from locals.)
    @inline(__always)
    mutating func op(_ i: Int, id: UInt64, timed: Bool, _ table: BlockTable, _ batch: OpBatch, _ handle: T.Handle,
                     _ coverage: PatternCoverage, _ log: inout OpLog.Writer) -> Bool {
        let simple = Mode.simple, verify = Mode.verify
        let slot = batch.slots[i]
        let address = table.address(slot)
        // The check inline and `run` touched only for a changed block: a call through
        // `run` would retain and release it.
        if verify && address != 0
            && !ContentPattern.isIntact(UnsafeRawPointer(bitPattern: address)!, requestSize: table.size(slot), id: table.id(slot), coverage: coverage) {
            run.reportChanged(table, slot, me, "churn")
            table.clear(slot)
            return true
        }
        if simple {
            // A free and a malloc end alike (a log record and the slot written): they differ
            // only in their call.
            let full = address != 0
            let bytes = full ? table.size(slot) : batch.sizes[i]
            var made: UInt = 0
            let start = timed ? monotonicNanoseconds() : 0
            if full {
                T.free(handle, UnsafeMutableRawPointer(bitPattern: address))
                if timed { latency.recordFree(since: start) }
            } else {
                guard let q = T.malloc(handle, bytes) else { return run.allocationFailed(me, .malloc, bytes) }
                if timed { latency.recordAllocation(since: start) }
                if verify { ContentPattern.fill(q, requestSize: bytes, id: id, coverage: coverage) }
                made = UInt(bitPattern: q)
            }
            log.record(full ? .free : .malloc, slot: slot, size: bytes, address: UnsafeMutableRawPointer(bitPattern: address | made))
            // Ids matter only to patterns.
            if verify { table.set(slot, address: made, size: bytes, id: id) } else { table.set(slot, address: made, size: bytes) }
            return true
        }
        let r = batch.choices[i]
        let choice = r & 0xFFFF_FFFF
        if address != 0 {
            let p = UnsafeMutableRawPointer(bitPattern: address)!
            if choice < weights.realloc {
                let bytes = drawnSizes != nil ? batch.sizes[i] : size.sample(word: batch.words[i], &random)
                let start = timed ? monotonicNanoseconds() : 0
                guard let q = T.realloc(handle, p, bytes) else {
                    // realloc(p, 0) frees p (glibc); any other NULL leaves p as it was.
                    guard bytes == 0 else { return run.allocationFailed(me, .realloc, bytes) }
                    log.record(.free, slot: slot, size: table.size(slot), address: p)
                    table.clear(slot)
                    return true
                }
                if timed { latency.recordAllocation(since: start) }
                // The bytes both sizes cover must have moved with the block: all of them, or
                // (head-and-tail, whose old tail may lie past the new size) the first 8.
                let kept = min(bytes, table.size(slot))
                if verify && !ContentPattern.isIntact(q, requestSize: coverage == .whole ? kept : min(kept, 8), id: table.id(slot), coverage: .whole) {
                    run.report(me, "G3", "realloc(0x\(String(address, radix: 16)), \(bytes)) lost the block's contents")
                }
                if verify { ContentPattern.fill(q, requestSize: bytes, id: id, coverage: coverage) }
                table.set(slot, address: UInt(bitPattern: q), size: bytes, id: id)
                log.record(.realloc, slot: slot, size: bytes, address: q)
            } else if choice < weights.remote {
                // A full ring waits for its receiver (emptying this worker's own inbox
                // meanwhile, so that two waiting on each other both get room): the share
                // of remote frees asked for is the share made.
                while !outbox.push(p) {
                    let h = handle
                    inbox.drain { T.free(h, $0) }
                    sched_yield()
                }
                log.record(.remoteFree, slot: slot, size: table.size(slot), address: p)
                table.clear(slot)
                frees &+= 1
                remoteFrees &+= 1
            } else {
                frees &+= 1
                let start = timed ? monotonicNanoseconds() : 0
                T.free(handle, p)
                if timed { latency.recordFree(since: start) }
                log.record(.free, slot: slot, size: table.size(slot), address: p)
                table.clear(slot)
            }
            return true
        }
        let bytes = drawnSizes != nil ? batch.sizes[i] : size.sample(word: batch.words[i], &random)
        let q: UnsafeMutableRawPointer?
        let kind: OpLog.Kind
        let start = timed ? monotonicNanoseconds() : 0
        if choice < weights.malloc {
            q = T.malloc(handle, bytes)
            kind = .malloc
        } else if choice < weights.calloc {
            q = T.calloc(handle, 1, bytes)
            kind = .calloc
            if verify, let q, bytes >= 8 && (q.load(as: UInt64.self) != 0 || q.loadUnaligned(fromByteOffset: bytes - 8, as: UInt64.self) != 0) {
                run.report(me, "G3", "calloc(1, \(bytes)) returned 0x\(String(UInt(bitPattern: q), radix: 16)) not zeroed")
            }
        } else {
            let alignment = 32 << Int((r >> 32) % 8)
            q = T.memalign(handle, alignment, bytes)
            kind = .memalign
            if let q, UInt(bitPattern: q) % UInt(alignment) != 0 {
                run.report(me, "G3", "memalign(\(alignment), \(bytes)) returned a misaligned 0x\(String(UInt(bitPattern: q), radix: 16))")
            }
        }
        if timed { latency.recordAllocation(since: start) }
        guard let q else { return run.allocationFailed(me, kind, bytes) }
        if verify { ContentPattern.fill(q, requestSize: bytes, id: id, coverage: coverage) }
        table.set(slot, address: UInt(bitPattern: q), size: bytes, id: id)
        log.record(kind, slot: slot, size: bytes, address: q)
        return true
    }
}

/// A churn's next ops, drawn in a loop of their own: the slot each op works on, the size
/// it asks for if that slot is empty, and for churns with more than malloc and free, a
/// word choosing the call. The ops' loop then keeps fewer values live and has no
/// generator in it, and after its free-or-malloc branch mispredicts (half the time when
/// slots are full or empty at random) the next op's slot is one load away.
struct OpBatch {
    static let capacity = 64

    /// Whether a churn's batches carry its ops' sizes: fixed and uniform sizes
    /// (`SizeDistribution.wordSizes`) over fewer than 2³² slots.
    static func drawsSizes(_ spec: ChurnSpec) -> Bool { spec.live < 1 << 32 && spec.size.wordSizes != nil }
    private let base: UnsafeMutablePointer<UInt64>
    var slots: UnsafeMutablePointer<Int> { UnsafeMutableRawPointer(base).assumingMemoryBound(to: Int.self) }
    /// The ops' sizes, when drawn with the slots.
    var sizes: UnsafeMutablePointer<Int> { UnsafeMutableRawPointer(base + Self.capacity).assumingMemoryBound(to: Int.self) }
    /// The ops' random words, when the sizes are not drawn with the slots.
    var words: UnsafeMutablePointer<UInt64> { base + 2 * Self.capacity }
    /// Words of their own for the choice of call, and memalign's alignment.
    var choices: UnsafeMutablePointer<UInt64> { base + 3 * Self.capacity }

    init() {
        base = .allocate(capacity: 4 * Self.capacity)
        base.initialize(repeating: 0, count: 4 * Self.capacity)
    }

    func deallocate() { base.deallocate() }

    /// Draws the next `count` ops over `live` slots, with their sizes when `drawn` says
    /// how (it does only for fewer than 2³² slots). Words come two at a time: an odd
    /// count leaves one unused.
    @inline(__always)
    func draw(_ count: Int, live: Int, sizes drawn: WordSizes?, choices drawsChoices: Bool, _ generator: inout XorShiftPairs) {
        var g = generator
        defer { generator = g }
        if drawsChoices {
            for i in stride(from: 0, to: count, by: 2) {
                let r = g.next()
                choices[i] = r[0]
                choices[i &+ 1] = r[1]
            }
        }
        let slots = slots
        if let drawn {
            // The slot from the word's high half by a 32-bit multiply, the size from its low half.
            let sizes = sizes, span = SIMD2<UInt64>(repeating: UInt64(UInt32(truncatingIfNeeded: live)))
            let base = SIMD2<UInt64>(repeating: UInt64(bitPattern: Int64(drawn.base)))
            let sizeSpan = SIMD2<UInt64>(repeating: UInt64(drawn.span))
            for i in stride(from: 0, to: count, by: 2) {
                let r = g.next()
                let slot = ((r &>> 32) &* span) &>> 32
                let size = base &+ (((r & 0xFFFF_FFFF) &* (sizeSpan & 0xFFFF_FFFF)) &>> 32)
                slots[i] = Int(truncatingIfNeeded: slot[0])
                slots[i &+ 1] = Int(truncatingIfNeeded: slot[1])
                sizes[i] = Int(truncatingIfNeeded: size[0])
                sizes[i &+ 1] = Int(truncatingIfNeeded: size[1])
            }
        } else {
            let words = words
            for i in stride(from: 0, to: count, by: 2) {
                let r = g.next()
                words[i] = r[0]
                words[i &+ 1] = r[1]
                slots[i] = Int(truncatingIfNeeded: r[0].multipliedFullWidth(by: UInt64(truncatingIfNeeded: live)).high)
                slots[i &+ 1] = Int(truncatingIfNeeded: r[1].multipliedFullWidth(by: UInt64(truncatingIfNeeded: live)).high)
            }
        }
    }
}
