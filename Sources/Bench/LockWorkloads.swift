import Contention
import Glibc
import Scheduler

/// The lock workloads: one thread taking and releasing a lock nobody else wants
/// (what every malloc of a thread with its own arena pays), and two threads fighting
/// for one. Target `model` is the arenas' instrumented lock; `plain` a bare pthread mutex.
enum LockWorkload {
    struct Outcome {
        var nanoseconds: UInt64
        var acquisitions: Int?
        var contended: Int?
    }

    /// `pairs` lock/unlock pairs split over `threads` threads, each critical section one
    /// increment of a shared counter, which must come out right.
    static func run(instrumented: Bool, threads: Int, pairs: Int, seed: UInt64) -> Outcome {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        let recordings = (1...threads).map { LockRecording(id: $0) }
        defer {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            memory.deallocate()
        }
        let lock = InstrumentedLock(word: memory, index: 0)
        let counter = memory + 128
        let perThread = pairs / threads
        nonisolated(unsafe) let shared = (lock, mutex, counter, recordings)
        let scheduler = Scheduler(placement: ThreadedWorkload.compactPlacement(threads), seed: seed)
        scheduler.run(phases: 1, body: { worker, _ in
            let (lock, mutex, counter, recordings) = shared
            if instrumented {
                let r = recordings[worker.index].recorder
                for _ in 0..<perThread {
                    lock.lock(r)
                    counter.storeBytes(of: counter.load(as: Int.self) &+ 1, as: Int.self)
                    lock.unlock(r)
                }
            } else {
                for _ in 0..<perThread {
                    pthread_mutex_lock(mutex)
                    counter.storeBytes(of: counter.load(as: Int.self) &+ 1, as: Int.self)
                    pthread_mutex_unlock(mutex)
                }
            }
        })
        ThreadedWorkload.exitIfRefused(scheduler)
        precondition(counter.load(as: Int.self) == perThread * threads, "arenastress: the lock did not exclude")
        let use = recordings.compactMap { $0.uses()[0] }.reduce(into: LockUse()) { $0.merge($1) }
        return Outcome(nanoseconds: scheduler.workers.map { $0.phaseNanoseconds[0] }.max() ?? 0,
                       acquisitions: instrumented ? use.acquisitions : nil, contended: instrumented ? use.contended : nil)
    }
}
