import ArenaStress
import Contention
import Glibc
import Scheduler
import Targets

/// The multi-threaded workloads: larson (random replacement in per-thread slot arrays,
/// in rounds, each round's thread succeeded by a new one), remote-free (the same
/// replacement without rounds, one free in 16 done by another thread) and xmalloc (one
/// thread allocates in batches, another frees). Each runs on pinned pthreads, on the
/// target the bench keeps for all its repetitions; the workers' handles are attached
/// before the workers start and detached when they are done, as glibc's threads give
/// back their tcaches and arenas when they exit. A repetition's time is the slowest
/// worker's time for the measured phase.
enum ThreadedWorkload {
    /// The outcome of one repetition.
    struct Outcome {
        var nanoseconds: UInt64
        var checksum: UInt64
        var osRequests: Int?
        var lockAcquisitions: Int?
        var contended: Int?
    }

    /// larson as mimalloc-bench's larson.cpp runs it, on `target`: each of
    /// `threads` workers fills its own 5000 slots with blocks of 8 to 1000 bytes, then
    /// replaces a random slot's block (free, malloc, a write into the new block) for a
    /// round of `roundOps` replacements; then its thread exits and a new thread takes the
    /// slots over and frees and replaces its predecessor's blocks, round after round.
    /// `ops` replacements in all, split evenly; the time is that of the rounds (thread
    /// starts excluded). Differs from larson in that each worker fills its own slots
    /// (larson's main thread fills them all) and runs a fixed count, not a fixed time.
    static func larson<T: StressTarget>(_ target: T, threads: Int, ops: Int, roundOps: Int = 500_000, seed: UInt64) -> Outcome {
        let slotsPerThread = 5000
        let handles = UnsafeMutablePointer<T.Handle>.allocate(capacity: threads)
        for i in 0..<threads { (handles + i).initialize(to: target.attach()) }
        let requestsBefore = target.kernelRequests()
        let slots = (0..<threads).map { _ in UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: slotsPerThread) }
        let checksums = UnsafeMutablePointer<UInt64>.allocate(capacity: threads * 8)
        checksums.initialize(repeating: 0, count: threads * 8)
        defer {
            slots.forEach { $0.deallocate() }
            checksums.deallocate()
            handles.deinitialize(count: threads)
            handles.deallocate()
        }
        let perThread = ops / threads
        let rounds = max(1, perThread / max(1, roundOps))
        nonisolated(unsafe) let shared = (handles, slots, checksums)
        let scheduler = Scheduler(placement: compactPlacement(threads), seed: seed)
        // Phase 0 fills, phases 1...rounds replace (a new thread each), the last frees.
        scheduler.run(phases: rounds + 2, body: { worker, phase in
            let (handles, slots, checksums) = shared
            let me = worker.index
            let handle = handles[me]
            let mine = slots[me]
            var random = worker.random
            defer { worker.random = random }
            if phase == 0 {
                for i in 0..<slotsPerThread { mine[i] = T.malloc(handle, 8 + Int(random.next() % 993)) }
            } else if phase <= rounds {
                let count = phase == rounds ? perThread - (rounds - 1) * (perThread / rounds) : perThread / rounds
                var checksum = checksums[me * 8]
                for _ in 0..<count {
                    let r = random.next()
                    let i = Int(r % UInt64(slotsPerThread))
                    T.free(handle, mine[i])
                    let p = T.malloc(handle, 8 + Int((r >> 40) % 993))
                    // larson writes into every block it gets.
                    p?.storeBytes(of: 0x61, as: UInt8.self)
                    checksum &+= UInt64(UInt(bitPattern: p))
                    mine[i] = p
                }
                checksums[me * 8] = checksum
            } else {
                for i in 0..<slotsPerThread { T.free(handle, mine[i]) }
            }
        }, respawnAfter: { $0 >= 1 && $0 < rounds }, onRespawn: { worker in
            target.detach(handles[worker.index])
            handles[worker.index] = target.attach()
        })
        for i in 0..<threads { target.detach(handles[i]) }
        return outcome(target, scheduler, measuredPhases: 1...rounds, checksums, threads, requestsBefore)
    }

    /// Remote frees on `target`: `threads` workers, 5000 slots each, sizes
    /// 8..1000, each replacing random slots' blocks with one free in 16 handed to the
    /// next worker to free; `ops` pairs in all, split evenly. (What the bench called
    /// larson before it ran larson's rounds.)
    static func remoteFree<T: StressTarget>(_ target: T, threads: Int, ops: Int, seed: UInt64) -> Outcome {
        let slotsPerThread = 5000
        let handles = (0..<threads).map { _ in target.attach() }
        let requestsBefore = target.kernelRequests()
        let rings = (0..<threads).map { _ in HandoffRing(capacity: 4096) }
        let finish = FinishLine()
        let slots = (0..<threads).map { _ in UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: slotsPerThread) }
        let checksums = UnsafeMutablePointer<UInt64>.allocate(capacity: threads * 8)
        checksums.initialize(repeating: 0, count: threads * 8)
        defer {
            slots.forEach { $0.deallocate() }
            checksums.deallocate()
        }
        let perThread = ops / threads
        nonisolated(unsafe) let shared = (handles, rings, slots, checksums, finish)
        let scheduler = Scheduler(placement: compactPlacement(threads), seed: seed)
        scheduler.run(phases: 3, body: { worker, phase in
            let (handles, rings, slots, checksums, finish) = shared
            let me = worker.index
            let handle = handles[me]
            let mine = slots[me]
            let outbox = rings[(me + 1) % threads], inbox = rings[me]
            // The generator is copied out: workers' contexts may share a cache line.
            var random = worker.random
            defer { worker.random = random }
            switch phase {
            case 0:
                for i in 0..<slotsPerThread { mine[i] = T.malloc(handle, 8 + Int(random.next() % 993)) }
            case 1:
                var checksum: UInt64 = 0
                for op in 0..<perThread {
                    if op & 63 == 0 { inbox.drain { T.free(handle, $0) } }
                    let r = random.next()
                    let i = Int(r % UInt64(slotsPerThread))
                    if (r >> 32) & 15 != 0 || threads == 1 {
                        T.free(handle, mine[i])
                    } else {
                        // A full ring waits for its receiver: every remote free asked for is made.
                        while !outbox.push(mine[i]) {
                            inbox.drain { T.free(handle, $0) }
                            sched_yield()
                        }
                    }
                    let p = T.malloc(handle, 8 + Int((r >> 40) % 993))
                    checksum &+= UInt64(UInt(bitPattern: p))
                    mine[i] = p
                }
                checksums[me * 8] = checksum
                finish.arrive()
                while !finish.allArrived(threads) {
                    inbox.drain { T.free(handle, $0) }
                    sched_yield()
                }
            default:
                inbox.drain { T.free(handle, $0) }
                for i in 0..<slotsPerThread { T.free(handle, mine[i]) }
            }
        }, checkpoint: { phase in
            // Blocks still in a ring after the others finished are freed by their receiver.
            if phase == 1 { for (i, ring) in rings.enumerated() { ring.drain { T.free(handles[i], $0) } } }
        })
        handles.forEach(target.detach)
        return outcome(target, scheduler, measuredPhases: 1...1, checksums, threads, requestsBefore)
    }

    /// xmalloc on `target`: one producer allocates batches of `batch` blocks of
    /// `size` bytes and hands each to one consumer, which frees it; `ops` pairs in all
    /// (the last batch holds what is left).
    static func xmalloc<T: StressTarget>(_ target: T, ops: Int, batch: Int = 4096, size: Int = 64, seed: UInt64) -> Outcome {
        let handles = [target.attach(), target.attach()]
        let requestsBefore = target.kernelRequests()
        let queue = HandoffRing(capacity: 8)
        // The producer fills a buffer before it can queue it: one more buffer than the
        // queue holds, so it never refills one still queued or being freed.
        let buffers = 16
        let blocks = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: buffers * batch)
        let checksums = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
        checksums.initialize(repeating: 0, count: 16)
        defer {
            blocks.deallocate()
            checksums.deallocate()
        }
        let batches = (ops + batch - 1) / batch
        nonisolated(unsafe) let shared = (handles, queue, blocks, checksums)
        let scheduler = Scheduler(placement: compactPlacement(2), seed: seed)
        scheduler.run(phases: 1, body: { worker, _ in
            let (handles, queue, blocks, checksums) = shared
            let handle = handles[worker.index]
            if worker.index == 0 {
                var checksum: UInt64 = 0
                for n in 0..<batches {
                    let buffer = blocks + (n % buffers) * batch
                    for i in 0..<min(batch, ops - n * batch) {
                        let p = T.malloc(handle, size)
                        checksum &+= UInt64(UInt(bitPattern: p))
                        buffer[i] = p
                    }
                    while !queue.push(UnsafeMutableRawPointer(buffer)) { sched_yield() }
                }
                checksums[0] = checksum
            } else {
                var done = 0
                while done < batches {
                    var got = false
                    queue.drain { buffer in
                        let b = buffer!.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
                        for i in 0..<min(batch, ops - done * batch) { T.free(handle, b[i]) }
                        done += 1
                        got = true
                    }
                    if !got { sched_yield() }
                }
            }
        })
        handles.forEach(target.detach)
        return outcome(target, scheduler, measuredPhases: 0...0, checksums, 2, requestsBefore)
    }

    /// The outcome of a run whose time is the sum, over `measuredPhases`, of each phase's
    /// slowest worker.
    private static func outcome<T: StressTarget>(_ target: T, _ scheduler: Scheduler, measuredPhases: ClosedRange<Int>,
                                                 _ checksums: UnsafeMutablePointer<UInt64>, _ threads: Int,
                                                 _ requestsBefore: Int?) -> Outcome {
        exitIfRefused(scheduler)
        let uses = target.takeLockUses()
        let use = uses.isEmpty ? nil : uses.reduce(into: LockUse()) { $0.merge($1.use) }
        return Outcome(nanoseconds: measuredPhases.reduce(0) { sum, phase in sum &+ (scheduler.workers.map { $0.phaseNanoseconds[phase] }.max() ?? 0) },
                       checksum: (0..<threads).reduce(0) { $0 &+ checksums[$1 * 8] },
                       osRequests: target.kernelRequests().flatMap { after in requestsBefore.map { after - $0 } },
                       lockAcquisitions: use?.acquisitions, contended: use?.contended)
    }

    /// A worker thread the kernel refused: one line and exit 2, as bad input (the
    /// figures would be of a workload that did not run).
    static func exitIfRefused(_ scheduler: Scheduler) {
        guard let failure = scheduler.failure else { return }
        let line = "arenastress: bench: \(failure)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(2)
    }

    /// Workers on the CPUs this process may use, filled in order.
    static func compactPlacement(_ threads: Int) -> [Int?] {
        let cpus = Scheduler.allowedCPUs()
        guard !cpus.isEmpty else { return Array(repeating: nil, count: threads) }
        return (0..<threads).map { cpus[$0 % cpus.count] }
    }
}
