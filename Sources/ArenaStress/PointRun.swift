import ArenaModel
import Atomics
import Contention
import Glibc
import HeapCheck
import Randomness
import Reporting
import Scenario
import Scheduler
import Targets

/// One sweep point of a scenario run against one target: the workers, their block
/// tables, the hand-over rings, and the figures and findings of every phase.
///
/// Generic over the target so that a worker's loop calls the allocator directly.
final class PointRun<T: StressTarget>: @unchecked Sendable {
    let scenario: Scenario
    let point: SweepPoint
    let target: T
    let plan: RunPlan
    let threads: Int
    let scheduler: Scheduler
    let placement: [Int?]
    /// The point's placement: plan, heap binding, page census.
    let numa: PointPlacement
    /// Each worker's allocator handle, replaced when its thread is respawned.
    let handles: UnsafeMutablePointer<T.Handle>
    /// Each worker's live blocks.
    let tables: UnsafeMutablePointer<BlockTable>
    /// Each worker's sampled call latencies for the current phase.
    let latencies: [OpLatencies]
    /// Blocks handed to worker i to free (remote frees), filled by worker i - 1.
    let inboxes: [HandoffRing]
    /// Where the workers of a churn with remote frees count themselves done.
    let finishLine = FinishLine()
    /// Per worker, 64 bytes: ops done in the current step (read by the progress line),
    /// the next block id, the step's NULLs (`allocationFailed`), the step's frees and
    /// remote frees (churns with remote frees).
    let shared: UnsafeMutableRawPointer
    let observer: RunObserver
    /// The queues and buffers of handoff phases, if the scenario has any.
    let handoffLanes: HandoffLanes?
    /// Set with the world stopped once a check finds the heap broken: later steps do nothing.
    var stopped = false
    var stoppedAfter: String?

    var problems = Locked<[ViolationRecord]>([])
    var violations: [ViolationRecord] = []
    var phaseReports: [PhaseReport] = []
    var phaseAccumulator = PhaseAccumulator()
    var allLockUses = LockUse()
    var modelViolationsSeen = 0
    /// Injected corruptions: kinds, and the corruptor (its foreign page must outlive the model).
    var injected: [String] = []
    var corruptor: Corruptor?
    var injectionLedger: Ledger
    let checker = HeapChecker()

    struct PhaseAccumulator {
        var ops = 0
        var nanoseconds: UInt64 = 0
        var perThread: [ThreadFigures] = []
        var checks = 0
        var checkNanoseconds: UInt64 = 0
        var allocationFailures = 0
        var firstAllocationFailure: AllocationFailure?
        var frees = 0
        var remoteFrees = 0
    }

    init(scenario: Scenario, point: SweepPoint, target: T, numa: PointPlacement, observer: RunObserver,
         threadStartLimit: Int? = nil) {
        self.scenario = scenario
        self.point = point
        self.target = target
        self.numa = numa
        placement = numa.plan.cpus
        self.observer = observer
        injectionLedger = Ledger(coverage: scenario.checkContent == .full ? .whole : .headAndTail)
        plan = RunPlan(scenario)
        threads = point.threads
        scheduler = Scheduler(placement: placement, seed: scenario.seed, threadStartLimit: threadStartLimit)
        handles = .allocate(capacity: threads)
        for i in 0..<threads { (handles + i).initialize(to: target.attach()) }
        tables = .allocate(capacity: threads)
        let capacity = RunNeeds.slotsPerWorker(scenario).count
        for i in 0..<threads { (tables + i).initialize(to: BlockTable(capacity: capacity)) }
        inboxes = (0..<threads).map { _ in HandoffRing(capacity: RunNeeds.inboxSlots) }
        latencies = (0..<threads).map { _ in OpLatencies() }
        shared = .allocate(byteCount: threads * 64, alignment: 64)
        shared.initializeMemory(as: UInt8.self, repeating: 0, count: threads * 64)
        for i in 0..<threads { shared.storeBytes(of: UInt64(i + 1) << 40, toByteOffset: i * 64 + 8, as: UInt64.self) }
        var producers = 0, batch = 0
        for phase in scenario.phases {
            guard case .handoff(let spec) = phase.kind else { continue }
            producers = max(producers, Self.producerCount(spec, threads: point.threads))
            batch = max(batch, spec.batch)
        }
        handoffLanes = producers > 0 ? HandoffLanes(producers: producers, batch: batch) : nil
    }

    deinit {
        for i in 0..<threads { tables[i].deallocate() }
        handles.deinitialize(count: threads)
        handles.deallocate()
        tables.deinitialize(count: threads)
        tables.deallocate()
        shared.deallocate()
    }

    /// Ops the worker has done in the current step, as the progress line reads them.
    func progress(_ worker: Int) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: (shared + worker * 64).assumingMemoryBound(to: Int.AtomicRepresentation.self))
    }

    /// Runs every step; returns the point's report, expectations not yet judged.
    func run() -> PointReport {
        _ = target.takeLockUses()
        let threads = threads, shared = UnsafeSendable(shared)
        observer.pointStarted(point, scenario: scenario, progress: {
            (0..<threads).map { UnsafeAtomic<Int>(at: (shared.value + $0 * 64).assumingMemoryBound(to: Int.AtomicRepresentation.self)).load(ordering: .relaxed) }
        })
        defer { observer.pointEnded(point) }
        scheduler.run(phases: plan.steps.count,
                      body: { [self] worker, step in runStep(worker, step) },
                      checkpoint: { [self] step in endStep(step) },
                      respawnAfter: { [self] in plan.steps[$0].respawn },
                      onRespawn: { [self] worker in
                          // A broken heap is left alone: thread exit would free into it.
                          guard !stopped else { return }
                          target.detach(handles[worker.index])
                          handles[worker.index] = target.attach()
                      })
        // The workers' threads have ended: what glibc does at thread exit (not into a
        // heap found broken, where glibc would have aborted).
        if !stopped { for i in 0..<threads { target.detach(handles[i]) } }
        let digest = heapDigest()
        var report = PointReport(point: point, target: target.name, placement: placement,
                           pinned: scheduler.pinningFailures == 0 && placement.allSatisfy { $0 != nil },
                           threadsStarted: scheduler.threadsStarted, phases: phaseReports,
                           violations: violations, expectations: [], stoppedAfter: stoppedAfter,
                           osRequests: target.kernelRequests(), contention: allLockUses.acquisitions == 0 ? nil : allLockUses.contentionRate,
                           finalHeapDigest: digest?.digest, finalHeapChunks: digest?.chunks)
        (report.placementAvailable, report.placementNote, report.numa) = numa.figures(scheduler)
        report.endedEarly = scheduler.failure
        return report
    }

    /// A worker's part of step `index`.
    private func runStep(_ worker: WorkerContext, _ index: Int) {
        if stopped { return }
        let step = plan.steps[index]
        let phase = scenario.phases[step.phase]
        var random = SplitMix64(seed: scenario.seed ^ (UInt64(index + 1) &* 0xA24B_AED4_963E_E407) ^ (UInt64(worker.index + 1) &* 0x9FB2_1C65_1E98_DF25))
        progress(worker.index).store(0, ordering: .relaxed)
        var ops = 0
        switch phase.kind {
        case .allocate(let spec): ops = allocate(worker, count: step.ops ?? spec.count, size: spec.size, &random)
        case .free(let spec): ops = free(worker, spec, &random)
        case .churn(let spec): ops = churn(worker, spec, ops: step.ops, &random)
        case .handoff(let spec): ops = handoff(worker, spec, &random)
        case .trim: if worker.index == 0 { _ = target.trim(); ops = 1 }
        case .respawn, .inject: break
        }
        worker.ops = ops
    }

    /// With the world stopped at the end of step `index`.
    private func endStep(_ index: Int) {
        // After the heap was found broken the remaining steps did nothing: nothing to take.
        if stopped { return }
        let step = plan.steps[index]
        let phase = scenario.phases[step.phase]
        for i in 0..<threads { inboxes[i].drain { T.free(handles[i], $0) } }
        finishLine.reset()
        if let lanes = handoffLanes { for p in lanes.queues.indices { lanes.done(p).store(0, ordering: .relaxed) } }
        var acc = phaseAccumulator
        acc.nanoseconds += scheduler.workers.map { $0.phaseNanoseconds[index] }.max() ?? 0
        for w in scheduler.workers {
            let figures = ThreadFigures(worker: w.index, ops: w.ops, nanoseconds: w.phaseNanoseconds[index], cpus: w.observedCPUs.sorted())
            if acc.perThread.count <= w.index { acc.perThread.append(figures) } else {
                acc.perThread[w.index].ops += figures.ops
                acc.perThread[w.index].nanoseconds += figures.nanoseconds
                acc.perThread[w.index].cpus = figures.cpus
            }
            acc.ops += w.ops
        }
        let freeCounts = takeFreeCounts()
        acc.frees += freeCounts.frees
        acc.remoteFrees += freeCounts.remote
        let failures = takeAllocationFailures()
        acc.allocationFailures += failures.count
        acc.firstAllocationFailure = acc.firstAllocationFailure ?? failures.first
        collectRuntimeFindings(phase.name)
        if violations.isEmpty, case .inject(let kind) = phase.kind { inject(kind, phase: phase.name) }
        if violations.isEmpty && step.check {
            acc.checkNanoseconds += check(after: phase.name)
            acc.checks += 1
        }
        collectRuntimeFindings(phase.name)
        phaseAccumulator = acc
        if step.endsPhase || !violations.isEmpty { endPhase(phase) }
        if !violations.isEmpty {
            stopped = true
            stoppedAfter = phase.name
        }
        observer.stepEnded(point, phase: phase.name, ops: acc.ops, nanoseconds: acc.nanoseconds, endsPhase: step.endsPhase)
    }

    private func endPhase(_ phase: Phase) {
        let acc = phaseAccumulator
        phaseAccumulator = PhaseAccumulator()
        // A broken heap's lists are not walked (mallinfo2 would follow the damage).
        let memory = violations.isEmpty ? target.memory() : nil
        var live = (blocks: 0, bytes: 0)
        for i in 0..<threads {
            let l = tables[i].live()
            live.blocks += l.blocks
            live.bytes += l.bytes
        }
        let uses = target.takeLockUses()
        var total = LockUse(), byArena: [Int: LockUse] = [:], byThread: [Int: LockUse] = [:]
        for u in uses {
            total.merge(u.use)
            byArena[u.arena, default: LockUse()].merge(u.use)
            byThread[u.thread, default: LockUse()].merge(u.use)
        }
        allLockUses.merge(total)
        phaseReports.append(PhaseReport(
            name: phase.name, kind: phase.kind.key, ops: acc.ops, nanoseconds: acc.nanoseconds, perThread: acc.perThread,
            heldBytes: memory?.heldBytes, inUseBytes: memory?.inUseBytes, residentBytes: memory?.residentBytes,
            osRequests: target.kernelRequests(), arenas: memory?.arenas, liveBlocks: live.blocks, liveBytes: live.bytes,
            locks: uses.isEmpty ? nil : LockFigures(scope: "all", total),
            locksByArena: byArena.keys.sorted().map { LockFigures(scope: "arena \($0)", byArena[$0]!) },
            locksByThread: byThread.keys.sorted().map { LockFigures(scope: "thread \($0)", byThread[$0]!) },
            checks: acc.checks))
        phaseReports[phaseReports.count - 1].residentNote = memory?.residentNote
        phaseReports[phaseReports.count - 1].latency = OpLatencies.take(latencies)
        if acc.checks > 0 { phaseReports[phaseReports.count - 1].checkNanoseconds = acc.checkNanoseconds }
        phaseReports[phaseReports.count - 1].allocationFailures = acc.allocationFailures
        phaseReports[phaseReports.count - 1].firstAllocationFailure = acc.firstAllocationFailure
        if case .churn(let spec) = phase.kind, spec.remoteFree > 0, threads > 1, acc.frees > 0 {
            phaseReports[phaseReports.count - 1].remoteFreeShare = Double(acc.remoteFrees) / Double(acc.frees)
        }
        // A broken heap's heap list is not walked (it would follow the damage).
        if violations.isEmpty, let model {
            phaseReports[phaseReports.count - 1].pages = numa.pages(of: model.set)
            let mapped = HeapMapper.maps(checker.dump(model.set))
            phaseReports[phaseReports.count - 1].heapMaps = mapped.maps
            phaseReports[phaseReports.count - 1].largestFreeChunk = mapped.largestFree
        }
    }
}

/// A raw pointer the progress closure may carry to another thread.
struct UnsafeSendable: @unchecked Sendable {
    let value: UnsafeMutableRawPointer
    init(_ value: UnsafeMutableRawPointer) { self.value = value }
}
