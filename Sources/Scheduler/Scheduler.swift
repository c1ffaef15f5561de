import CSupport
import Contention
import Glibc

/// Runs worker pthreads through phases: in each phase every worker runs `body` for
/// that phase, then all meet at a barrier; with the world stopped, `checkpoint` runs on
/// the calling thread; then the next phase starts. After a phase marked for respawn,
/// the worker threads exit and new ones start, keeping their `WorkerContext`s. When the
/// kernel refuses a thread, the run ends there: the threads started leave, `failure`
/// says what was refused, and `phasesRun` how far the run got.
///
/// Workers are pthreads, not Dispatch or Swift tasks, each pinned to its planned CPU.
public final class Scheduler: @unchecked Sendable {
    /// The workers' contexts, by index.
    public let workers: [WorkerContext]
    /// Thread starts whose pinning failed (the run goes on unpinned).
    public private(set) var pinningFailures = 0
    /// Threads started over the run (respawns included).
    public private(set) var threadsStarted = 0
    /// Why the run ended before its last phase (a thread the kernel refused), in one
    /// line; nil when every phase ran.
    public private(set) var failure: String?
    /// Phases every worker ran to the end (and whose checkpoint ran).
    public private(set) var phasesRun = 0
    /// The most thread starts granted over the run; nil for as many as the kernel gives.
    private let threadStartLimit: Int?

    private let startBarrier: Barrier
    private let endBarrier: Barrier
    private let control = Locked(Control())

    struct Control {
        var phase = 0
        var stop = false
        var exitAfterPhase = false
    }

    /// A scheduler for one worker per entry of `placement` (a CPU, or nil for none),
    /// seeded with `seed`, each worker keeping its last `OpLog.capacity` operations.
    /// `threadStartLimit` refuses thread starts beyond that many, as a kernel out of
    /// threads would (for tests of that path).
    public init(placement: [Int?], seed: UInt64, threadStartLimit: Int? = nil) {
        precondition(!placement.isEmpty, "a scheduler needs at least one worker")
        self.threadStartLimit = threadStartLimit
        workers = placement.enumerated().map { WorkerContext(index: $0.offset, plannedCPU: $0.element, seed: seed) }
        startBarrier = Barrier(parties: placement.count + 1)
        endBarrier = Barrier(parties: placement.count + 1)
    }

    /// Runs `phases` phases. `body(worker, phase)` runs on every worker thread;
    /// `checkpoint(phase)` runs here while every worker is parked at the barrier;
    /// `respawnAfter(phase)` says whether the threads exit and new ones start after it,
    /// and `onRespawn(worker)` runs here for each worker between the old thread and
    /// the new one. A thread refused ends the run early: see `failure`.
    public func run(phases: Int,
                    body: @escaping @Sendable (WorkerContext, Int) -> Void,
                    checkpoint: (Int) -> Void = { _ in },
                    respawnAfter: (Int) -> Bool = { _ in false },
                    onRespawn: (WorkerContext) -> Void = { _ in }) {
        var threads = startThreads(body)
        guard failure == nil else { return endThreads(threads) }
        for phase in 0..<phases {
            let respawn = respawnAfter(phase) && phase < phases - 1
            control.withLock {
                $0.phase = phase
                $0.exitAfterPhase = respawn
            }
            startBarrier.wait()
            endBarrier.wait()
            checkpoint(phase)
            phasesRun = phase + 1
            if respawn {
                for t in threads { pthread_join(t, nil) }
                for w in workers { onRespawn(w) }
                threads = startThreads(body)
                guard failure == nil else { return endThreads(threads) }
            }
        }
        endThreads(threads)
    }

    /// Ends `threads` (the workers started, maybe not all): each leaves at the start
    /// barrier, where those never started are counted as arrived.
    private func endThreads(_ threads: [pthread_t]) {
        control.withLock { $0.stop = true }
        startBarrier.arriveAbsent(workers.count - threads.count)
        startBarrier.wait()
        for t in threads { pthread_join(t, nil) }
    }

    /// A thread per worker; fewer, and `failure` set, when the kernel refuses one.
    private func startThreads(_ body: @escaping @Sendable (WorkerContext, Int) -> Void) -> [pthread_t] {
        var threads: [pthread_t] = []
        for worker in workers {
            var status = EAGAIN
            var thread = pthread_t()
            if threadStartLimit.map({ threadsStarted < $0 }) ?? true {
                let start = Unmanaged.passRetained(ThreadStart(scheduler: self, worker: worker, body: body))
                status = pthread_create(&thread, nil, { argument in
                    Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue().run()
                    return nil
                }, start.toOpaque())
                if status != 0 { start.release() }
            }
            guard status == 0 else {
                failure = "the kernel refused a thread for worker \(worker.index) of \(workers.count) "
                    + "(pthread_create: \(String(cString: strerror(status)))) after \(threadsStarted) thread starts"
                break
            }
            threadsStarted += 1
            threads.append(thread)
        }
        return threads
    }

    /// The stack a worker thread gets (glibc's default for new threads), in bytes.
    public static var threadStackBytes: Int {
        var attr = pthread_attr_t()
        var size = 0
        guard pthread_attr_init(&attr) == 0 else { return 8 << 20 }
        defer { pthread_attr_destroy(&attr) }
        return pthread_attr_getstacksize(&attr, &size) == 0 ? size : 8 << 20
    }

    /// The loop of one worker thread.
    fileprivate func workerLoop(_ worker: WorkerContext, _ body: @Sendable (WorkerContext, Int) -> Void) {
        if let cpu = worker.plannedCPU {
            worker.pinned = cs_pin_to_cpu(Int32(cpu)) == 0
            if !worker.pinned { control.withLock { _ in pinningFailures += 1 } }
        }
        while true {
            startBarrier.wait()
            let (phase, stop, exitAfter) = control.withLock { ($0.phase, $0.stop, $0.exitAfterPhase) }
            if stop { return }
            worker.observeCPU()
            worker.ops = 0
            let start = monotonicNanoseconds()
            body(worker, phase)
            worker.phaseNanoseconds.append(monotonicNanoseconds() &- start)
            worker.observeCPU()
            endBarrier.wait()
            if exitAfter { return }
        }
    }

    /// The CPUs this process may run on (its affinity mask), in order.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 4096)
        let count = Int(cpus.withUnsafeMutableBufferPointer { cs_allowed_cpus($0.baseAddress, Int32($0.count)) })
        return cpus.prefix(count).map(Int.init)
    }
}

/// What a new pthread needs, passed through pthread_create's argument.
private final class ThreadStart {
    let scheduler: Scheduler
    let worker: WorkerContext
    let body: @Sendable (WorkerContext, Int) -> Void

    init(scheduler: Scheduler, worker: WorkerContext, body: @escaping @Sendable (WorkerContext, Int) -> Void) {
        self.scheduler = scheduler
        self.worker = worker
        self.body = body
    }

    func run() { scheduler.workerLoop(worker, body) }
}
