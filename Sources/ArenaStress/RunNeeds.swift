import Scenario
import Scheduler
import Targets

/// What a scenario's run needs from the machine before its first op, at its largest
/// sweep point: the worker threads, the memory of the runner's own tables (block
/// tables, rings and logs, handoff buffers, the plan's steps) and the address space
/// (those, the threads' stacks, the pool target's reservation). The sizes come from the
/// constants and functions the runner allocates by, so the two cannot drift apart.
///
/// Every figure is computed with overflow-checked arithmetic on the file's numbers; a
/// figure past `Int.max` stays at `Int.max`, more than any machine gives.
///
/// What the allocator under test will hold is not counted: it is the run's outcome, and
/// a request it cannot serve is a NULL the run reports.
public struct RunNeeds: Sendable, Equatable {
    /// One thing the run needs, the key of the file that sizes it, and how it adds up.
    public struct Part: Sendable, Equatable {
        /// What it is, e.g. `block tables`.
        public var what: String
        /// Its bytes.
        public var bytes: Int
        /// The key path of the file's number that makes it this big, e.g.
        /// `phases[0].allocate.count` (as the validator names paths).
        public var key: String
        /// How it adds up, e.g. `9000000000 slots per worker x 64 workers x 24 bytes`.
        public var reckoning: String
    }

    /// Worker threads at once at the largest point.
    public var threads: Int
    /// The key path of that thread count, e.g. `threads.count[2]`.
    public var threadsKey: String
    /// Memory the runner fills before the first op (or fills as steps go, by a size known
    /// in advance).
    public var memory: [Part]
    /// Address space mapped but not necessarily filled: thread stacks, the pool's blocks.
    public var mappedOnly: [Part]

    /// The bytes of `memory`.
    public var memoryBytes: Int { Self.sum(memory.map(\.bytes)) }
    /// The bytes of address space: `memory` and `mappedOnly`.
    public var addressSpaceBytes: Int { Self.sum((memory + mappedOnly).map(\.bytes)) }

    /// Slots of a block table the runner adds to what the phases ask for.
    static let spareSlots = 16
    /// Slots of each worker's inbox of remote frees (a `HandoffRing`).
    static let inboxSlots = 1 << 14

    /// The needs of `scenario`'s largest sweep point.
    public init(_ scenario: Scenario) {
        let counts = scenario.threads.counts
        var largest: RunNeeds?
        for (index, threads) in counts.enumerated() {
            let key = counts.count == 1 ? "threads.count" : "threads.count[\(index)]"
            let needs = RunNeeds(scenario, threads: threads, threadsKey: key)
            if let l = largest, (l.addressSpaceBytes, l.threads) >= (needs.addressSpaceBytes, needs.threads) { continue }
            largest = needs
        }
        self = largest ?? RunNeeds(scenario, threads: 1, threadsKey: "threads.count")
    }

    /// The needs of a point of `scenario` with `threads` workers.
    init(_ scenario: Scenario, threads: Int, threadsKey: String) {
        self.threads = threads
        self.threadsKey = threadsKey
        let t = max(threads, 1)
        let slots = Self.slotsPerWorker(scenario)
        memory = [
            Part(what: "block tables", bytes: Self.product(t, slots.count, BlockTable.stride), key: slots.key,
                 reckoning: "\(slots.count) slots per worker x \(t) workers x \(BlockTable.stride) bytes"),
            Part(what: "rings and op logs", bytes: Self.product(t, Self.perWorkerBytes), key: threadsKey,
                 reckoning: "\(t) workers x \(Self.perWorkerBytes) bytes"),
        ]
        if let handoff = Self.handoffBytes(scenario, threads: t) { memory.append(handoff) }
        let steps = Self.steps(scenario)
        let stepBytes = Self.sum([MemoryLayout<RunPlan.Step>.stride, Self.product(t, MemoryLayout<UInt64>.stride)])
        memory.append(Part(what: "the plan's steps", bytes: Self.product(steps.count, stepBytes), key: steps.key,
                           reckoning: "\(steps.count) steps x \(stepBytes) bytes: the step, and each worker's time in it"))
        let stack = Scheduler.threadStackBytes
        mappedOnly = [Part(what: "thread stacks", bytes: Self.product(t, stack), key: threadsKey,
                           reckoning: "\(t) threads x \(Self.short(stack))")]
        if scenario.target == .pool {
            let pool = Self.pool(scenario, threads: t)
            let perBlock = Self.sum([pool.stride, 8])
            mappedOnly.append(Part(what: "the pool's blocks", bytes: Self.product(pool.blocks, perBlock), key: slots.key,
                                   reckoning: "\(pool.blocks) blocks x \(perBlock) bytes"))
        }
    }

    /// What the run cannot have on `machine`, each at the place `locate` gives the key
    /// path responsible (threads, else the biggest part's key); empty when it can run.
    public func problems(on machine: MachineLimits, locate: (String) -> SourceLocation) -> [ScenarioProblem] {
        var problems: [ScenarioProblem] = []
        func refuse(_ key: String, _ message: String) {
            problems.append(ScenarioProblem(location: locate(key), message: "\(key): \(message)"))
        }
        if let limit = machine.threads, threads > limit.value {
            refuse(threadsKey, "\(threads) worker threads at once; this machine gives \(limit.value) more (\(limit.source))")
        }
        if let limit = machine.memory, memoryBytes > limit.value, let top = memory.max(by: { $0.bytes < $1.bytes }) {
            refuse(top.key, "the run would need \(Self.bytes(memoryBytes)) of memory before its first op, "
                   + "\(Self.bytes(top.bytes)) of it for \(top.what) (\(top.reckoning)); "
                   + "this machine has \(Self.short(limit.value)) (\(limit.source))")
        } else if let limit = machine.addressSpace, addressSpaceBytes > limit.value,
                  let top = (memory + mappedOnly).max(by: { $0.bytes < $1.bytes }) {
            refuse(top.key, "the run would map \(Self.bytes(addressSpaceBytes)) of address space, "
                   + "\(Self.bytes(top.bytes)) of it for \(top.what) (\(top.reckoning)); "
                   + "this process may map \(Self.short(limit.value)) more (\(limit.source))")
        }
        return problems
    }

    // MARK: The runner's sizes

    /// The most slots one worker's block table holds: every allocate phase's count, or
    /// the largest churn's live slots, whichever is more, and the spare; with the key
    /// of the phase that contributes most.
    static func slotsPerWorker(_ scenario: Scenario) -> (count: Int, key: String) {
        var allocated = 0, churn = 0, biggest = 0
        var allocateKey: String?, churnKey: String?
        for (i, phase) in scenario.phases.enumerated() {
            switch phase.kind {
            case .allocate(let spec):
                allocated = sum([allocated, spec.count])
                if allocateKey == nil || spec.count > biggest { (biggest, allocateKey) = (spec.count, "phases[\(i)].allocate.count") }
            case .churn(let spec):
                if churnKey == nil || spec.live > churn { (churn, churnKey) = (spec.live, "phases[\(i)].churn.live") }
            default: break
            }
        }
        let key = (allocated >= churn ? allocateKey ?? churnKey : churnKey) ?? "phases"
        return (sum([max(allocated, churn), spareSlots]), key)
    }

    /// Per worker: its inbox ring and cursors, op log, and line of shared counters.
    static let perWorkerBytes = inboxSlots * MemoryLayout<UnsafeMutableRawPointer?>.stride + 256
        + OpLog.capacity * MemoryLayout<(Int, Int, UInt)>.stride + MemoryLayout<Int>.stride + 64

    /// The handoff phases' lanes: per producer, its pool of batch buffers, its queue and
    /// its line; nil without a handoff phase.
    static func handoffBytes(_ scenario: Scenario, threads: Int) -> Part? {
        var producers = 0, batch = 0, key: String?
        for (i, phase) in scenario.phases.enumerated() {
            guard case .handoff(let spec) = phase.kind else { continue }
            producers = max(producers, PointRun<NullTarget>.producerCount(spec, threads: threads))
            if spec.batch > batch || key == nil { key = "phases[\(i)].handoff.batch" }
            batch = max(batch, spec.batch)
        }
        guard let key else { return nil }
        let buffer = sum([16, product(batch, 24)])  // HandoffLanes.bufferBytes, overflow-checked
        let queue = HandoffLanes.queueCapacity * MemoryLayout<UnsafeMutableRawPointer?>.stride + 256
        let perProducer = sum([product(HandoffLanes.buffers, buffer), queue, 64])
        return Part(what: "handoff batch buffers", bytes: product(producers, perProducer), key: key,
                    reckoning: "\(producers) producers x \(HandoffLanes.buffers) buffers of \(batch) blocks x 24 bytes")
    }

    /// The steps of the run's plan, with the key of the phase that has most.
    static func steps(_ scenario: Scenario) -> (count: Int, key: String) {
        var total = 0, most = 0, key = "phases"
        for (i, phase) in scenario.phases.enumerated() {
            let cut = RunPlan.cut(phase, scenario)
            total = sum([total, cut.steps])
            guard cut.steps > most else { continue }
            most = cut.steps
            switch cut {
            case .rounds: key = "phases[\(i)].respawn.rounds"
            case .churnRounds: key = "phases[\(i)].churn.rounds"
            case .everyOps: key = phase.check == nil ? "check.every_ops" : "phases[\(i)].check.every_ops"
            case .whole: key = "phases[\(i)]"
            }
        }
        return (total, key)
    }

    /// The pool target of a point with `threads` workers: blocks of the largest size any
    /// phase asks for (rounded up to 16), as many as the workers can hold at once (every
    /// allocate phase's count, the largest churn's slots and what its remote frees may
    /// have in flight, a handoff's queued batches), plus what the threads' caches may hold.
    static func pool(_ scenario: Scenario, threads: Int) -> (blockSize: Int, stride: Int, blocks: Int) {
        var blockSize = 0, allocated = 0, churn = 0, inFlight = 0, handoff = 0
        for phase in scenario.phases {
            switch phase.kind {
            case .allocate(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                allocated = sum([allocated, spec.count])
            case .churn(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                churn = max(churn, spec.live)
                // A remote free waits in the next worker's inbox while its slot refills.
                if spec.remoteFree > 0 { inFlight = inboxSlots }
            case .handoff(let spec):
                blockSize = max(blockSize, spec.size.maxSize)
                // A producer's batches: its buffers, and one being filled.
                handoff = max(handoff, product(HandoffLanes.buffers + 1, spec.batch))
            default: break
            }
        }
        let perThread = sum([allocated, churn, inFlight, handoff, 2 * 64])
        let stride = sum([max(blockSize, 1), 15]) & ~15
        return (blockSize, stride, product(perThread, threads))
    }

    // MARK: Arithmetic on the file's numbers

    /// The sum, or `Int.max` past it (counts are never negative).
    static func sum(_ terms: [Int]) -> Int {
        var total = 0
        for term in terms {
            let (next, overflow) = total.addingReportingOverflow(term)
            if overflow { return .max }
            total = next
        }
        return total
    }

    /// The product, or `Int.max` past it (factors are never negative).
    static func product(_ factors: Int...) -> Int {
        var total = 1
        for factor in factors {
            let (next, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return .max }
            total = next
        }
        return total
    }

    /// `216000000384 bytes (201.2 GiB)`; `Int.max` as more than that.
    public static func bytes(_ n: Int) -> String {
        let exact = n == .max ? "more than \(n) bytes" : "\(n) bytes"
        return n < 1024 ? exact : "\(exact) (\(short(n)))"
    }

    /// `201.2 GiB`.
    public static func short(_ n: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) bytes" : String(format: "%.1f", value) + " " + units[unit]
    }
}
