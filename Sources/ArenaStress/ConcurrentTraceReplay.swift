import ArenaModel
import Atomics
import Contention
import Fidelity
import Glibc
import Scheduler

/// Replays a trace with its threads running at once: each trace thread on a pthread of
/// its own (the `Scheduler`'s workers, pinned round-robin to the CPUs this process may
/// use), its ops in trace order, on a fresh model. The model's instrumented arena locks
/// then show the contention the traced program itself makes, arena by arena.
///
/// Ops of different threads wait only for each other through their slots: an op on a
/// slot runs after the op before it on that slot in the trace (on whatever thread) has
/// run. So a free or realloc of a block waits for the op that allocated it, and an op
/// that fills a slot again waits for the free that emptied it; each slot sees the
/// same ops in the same order as in the sequential replay (`ModelReplayer`), and no
/// replay can deadlock, since the op first in the trace among those not yet run can
/// always run. An `exit` detaches the thread (its tcache emptied into the arenas);
/// threads that do not exit stay attached, as in the sequential replay.
///
/// Every thread of the trace is attached before any runs, in the order of their first
/// ops, so that the first is the process's main thread and the model takes its
/// multi-threaded paths from the first op on; each still picks its arena at its first
/// malloc, in whatever order the threads get there.
public struct ConcurrentTraceReplay {
    /// Replays `trace` on a fresh model with `tunables`. Throws when the trace names
    /// more threads than `Trace.threadLimit` (all of them run at once here) or the
    /// kernel refuses a thread.
    public static func run(_ trace: Trace, tunables: Tunables) throws -> ConcurrentTraceReplayResult {
        let plan = try ReplayPlan(trace)
        let set = ArenaSet(tunables: tunables)
        let state = ReplayState(plan, set)
        defer { state.release() }
        var pinningFailures = 0
        // A trace without ops has no thread to run.
        if !plan.threadOps.isEmpty {
            let cpus = Scheduler.allowedCPUs()
            let placement: [Int?] = (0..<plan.threadOps.count).map { cpus.isEmpty ? nil : cpus[$0 % cpus.count] }
            let scheduler = Scheduler(placement: placement, seed: 0)
            scheduler.run(phases: 1, body: { worker, _ in state.replay(thread: worker.index) })
            if let failure = scheduler.failure { throw ConcurrentTraceReplayError(description: failure) }
            pinningFailures = scheduler.pinningFailures
        }
        let violations = set.violations
        return ConcurrentTraceReplayResult(
            set: set, liveBlocks: state.liveBlocks(), threads: plan.threadOps.count, exits: state.exits(),
            lockUsesByArena: set.lockUsesByArena(), arenaCount: set.arenaCount, osCounters: set.osCounters,
            // mallinfo2 walks the lists: not on a heap a runtime check found broken.
            mallinfo: violations.isEmpty ? set.mallinfo2 : nil, violations: violations,
            pinningFailures: pinningFailures)
    }
}

/// What a concurrent replay left.
public struct ConcurrentTraceReplayResult {
    /// The model as the replay left it: the threads that did not exit still attached,
    /// with their tcaches (for a heap check).
    public let set: ArenaSet
    /// The block in each slot at the end, by slot.
    public let liveBlocks: [ReplayedBlock]
    /// Threads the trace named, each a pthread of the replay; those of them that exited.
    public let threads: Int
    public let exits: Int
    /// Every thread's use of each arena's lock over the replay (exited threads'
    /// included), by arena index (0 the main arena, then in order of creation).
    public let lockUsesByArena: [Int: LockUse]
    /// Arenas at the end, the main one included.
    public let arenaCount: Int
    /// Requests the model made to the kernel.
    public let osCounters: OSCounters
    /// `mallinfo2` at the end; nil when a runtime check found the heap broken.
    public let mallinfo: MallInfo2?
    /// The model's runtime checks that failed (none for a trace of a sound program).
    public let violations: [Violation]
    /// Threads whose pinning to their CPU failed (they ran unpinned).
    public let pinningFailures: Int
}

/// A block a slot holds at the end of a replay.
public struct ReplayedBlock: Sendable, Equatable {
    public let slot: Int
    public let address: UInt
    /// The bytes the op that filled the slot asked for (count x size for calloc).
    public let requestSize: Int
}

/// Why a concurrent replay could not run.
public struct ConcurrentTraceReplayError: Error, CustomStringConvertible {
    public let description: String
}

/// The trace cut by thread: each thread's ops in trace order, and for each op on a
/// slot how many ops on that slot come before it.
private struct ReplayPlan {
    let events: [TraceEvent]
    /// Indices into `events`, per thread, threads in the order of their first op.
    let threadOps: [[Int]]
    /// Per event, its place among the ops on its slot (-1 for an op without a slot).
    let tickets: [Int]
    let slotCount: Int

    init(_ trace: Trace) throws {
        events = trace.events
        slotCount = trace.slotCount
        var index: [Int: Int] = [:]
        var threadOps: [[Int]] = []
        var seen = [Int](repeating: 0, count: slotCount)
        var tickets = [Int](repeating: -1, count: events.count)
        for (i, event) in events.enumerated() {
            let t = index[event.thread] ?? threadOps.count
            if t == threadOps.count {
                guard t < Trace.threadLimit else {
                    throw ConcurrentTraceReplayError(description: "the trace names more than \(Trace.threadLimit) threads, "
                                                     + "which a concurrent replay runs at once")
                }
                index[event.thread] = t
                threadOps.append([])
            }
            threadOps[t].append(i)
            if let slot = event.slot {
                tickets[i] = seen[slot]
                seen[slot] += 1
            }
        }
        self.threadOps = threadOps
        self.tickets = tickets
    }
}

/// What the replay's threads share: the plan, the model's threads, the slots and, per
/// slot, how many of its ops have run (the turn each op waits for).
private final class ReplayState: @unchecked Sendable {
    let plan: ReplayPlan
    let set: ArenaSet
    let threads: UnsafeMutablePointer<MallocThread>
    let exited: UnsafeMutablePointer<Bool>
    let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let requests: UnsafeMutablePointer<Int>
    let turns: UnsafeMutableRawPointer
    /// One malloc_trim at a time: the model's trim records its lock use on one recorder.
    let trimLock = Locked(())

    init(_ plan: ReplayPlan, _ set: ArenaSet) {
        self.plan = plan
        self.set = set
        let n = plan.threadOps.count, slotCount = plan.slotCount
        threads = .allocate(capacity: n)
        for t in 0..<n { (threads + t).initialize(to: set.attachThread()) }
        exited = .allocate(capacity: n)
        exited.initialize(repeating: false, count: n)
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: nil, count: slotCount)
        requests = .allocate(capacity: slotCount)
        requests.initialize(repeating: 0, count: slotCount)
        turns = .allocate(byteCount: max(slotCount, 1) * 8, alignment: 8)
        turns.initializeMemory(as: Int.self, repeating: 0, count: slotCount)
    }

    func release() {
        threads.deinitialize(count: plan.threadOps.count).deallocate()
        exited.deallocate()
        slots.deallocate()
        requests.deallocate()
        turns.deallocate()
    }

    /// The ops of thread `t`, in trace order, each on a slot in its slot's turn.
    func replay(thread t: Int) {
        let thread = threads[t]
        for i in plan.threadOps[t] {
            let event = plan.events[i]
            guard let slot = event.slot else {
                if case .exit = event.op {
                    set.detach(thread)
                    exited[t] = true
                    return
                }
                if case .trim(let pad) = event.op { trimLock.withLock { _ in _ = set.trim(pad) } }
                continue
            }
            let turn = UnsafeAtomic<Int>(at: (turns + slot &* 8).assumingMemoryBound(to: Int.AtomicRepresentation.self))
            let ticket = plan.tickets[i]
            while turn.load(ordering: .acquiring) != ticket { sched_yield() }
            run(event.op, slot, thread)
            turn.store(ticket &+ 1, ordering: .releasing)
        }
    }

    /// One op on its slot (`TraceEvent.Op.call`, as every replay makes it).
    private func run(_ op: TraceEvent.Op, _ slot: Int, _ t: MallocThread) {
        switch op.call(on: t, block: slots[slot])?.slot {
        case .filled(let p, let requested):
            slots[slot] = p
            requests[slot] = requested
        case .emptied:
            slots[slot] = nil
            requests[slot] = 0
        case .unchanged, nil:
            break
        }
    }

    /// With every thread done: the slots that hold a block.
    func liveBlocks() -> [ReplayedBlock] {
        (0..<plan.slotCount).compactMap { slot in
            slots[slot].map { ReplayedBlock(slot: slot, address: UInt(bitPattern: $0), requestSize: requests[slot]) }
        }
    }

    /// With every thread done: how many exited.
    func exits() -> Int { (0..<plan.threadOps.count).filter { exited[$0] }.count }
}
