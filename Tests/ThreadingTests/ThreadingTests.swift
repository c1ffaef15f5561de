import ArenaModel
import Atomics
import Contention
import Glibc
import Scheduler
import Synchronization
import Testing

/// The instrumented lock, the scheduler, and the model's arenas under real threads.
/// `make test` runs this suite under ThreadSanitizer as well.
@Suite struct LockTests {
    /// Four threads hammering one lock: it excludes, and it counts what it saw.
    @Test func instrumentedLockExcludesAndCounts() {
        let word = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        word.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        defer { word.deallocate() }
        let lock = InstrumentedLock(word: word, index: 3)
        let recordings = (1...4).map { LockRecording(id: $0) }
        let counter = word + 8  // guarded by the lock, plain memory
        let rounds = 20_000
        let scheduler = Scheduler(placement: [nil, nil, nil, nil], seed: 1)
        nonisolated(unsafe) let shared = (lock, recordings, counter)
        scheduler.run(phases: 1, body: { worker, _ in
            let (lock, recordings, counter) = shared
            let r = recordings[worker.index].recorder
            for _ in 0..<rounds {
                lock.lock(r)
                counter.storeBytes(of: counter.load(as: Int.self) + 1, as: Int.self)
                lock.unlock(r)
            }
        })
        #expect(counter.load(as: Int.self) == 4 * rounds)
        var total = LockUse()
        for r in recordings { if let u = r.uses()[3] { total.merge(u) } }
        #expect(total.acquisitions == 4 * rounds)
        // Whether these threads happened to collide depends on the machine's load;
        // every collision they had is a wait that was timed.
        #expect(total.contended == Int(total.wait.totalCount))
        #expect(total.contended <= total.acquisitions)
        // Four threads took it, however the scheduler ordered them: at least three handovers.
        #expect(total.ownerChanges >= 3)
        #expect(total.hold.totalCount >= UInt64(4 * rounds / LockRecorder.holdSampleInterval) - 4)
        #expect(word.load(as: UInt32.self) & 3 == 0)
    }

    /// Hold times are buffered and folded into the histograms in batches: every sample
    /// reaches its lock's histogram, across many folds, and a reset empties the buffer.
    @Test func everyHoldSampleReachesItsLocksHistogram() {
        let words = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
        words.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        defer { words.deallocate() }
        let a = InstrumentedLock(word: words, index: 1), b = InstrumentedLock(word: words + 64, index: 2)
        let recording = LockRecording(id: 1)
        let r = recording.recorder
        // Several buffers' worth of samples on lock a, a few on lock b, interleaved.
        let takesOfA = 5 * 512 * LockRecorder.holdSampleInterval + 17, takesOfB = 3 * LockRecorder.holdSampleInterval + 1
        for i in 0..<takesOfA {
            a.lock(r)
            a.unlock(r)
            if i < takesOfB {
                b.lock(r)
                b.unlock(r)
            }
        }
        var uses = recording.uses()
        #expect(uses[1]?.acquisitions == takesOfA)
        #expect(uses[1]?.hold.totalCount == UInt64(takesOfA / LockRecorder.holdSampleInterval))
        #expect(uses[2]?.hold.totalCount == UInt64(takesOfB / LockRecorder.holdSampleInterval))
        #expect(uses[1]?.wait.totalCount == 0)
        recording.reset()
        #expect(recording.uses().isEmpty)
        for _ in 0..<LockRecorder.holdSampleInterval {
            a.lock(r)
            a.unlock(r)
        }
        uses = recording.uses()
        #expect(uses[1]?.hold.totalCount == 1)
        #expect(uses[2] == nil)
    }

    /// A lock held while another thread asks for it: that acquisition is contended and
    /// timed, and it is an owner change. The holder releases only once the word says
    /// "held and waited for" (state 2, which only the taker's contended path writes, just
    /// before it sleeps on the futex), so the collision happens on every machine.
    @Test func aHeldLockMakesTheTakerWait() {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        defer { memory.deallocate() }
        let lock = InstrumentedLock(word: memory, index: 1)
        let holder = LockRecording(id: 1), taker = LockRecording(id: 2)
        let holding = Locked(false)
        nonisolated(unsafe) let shared = (lock, holder, taker, holding)
        let scheduler = Scheduler(placement: [nil, nil], seed: 3)
        scheduler.run(phases: 1, body: { worker, _ in
            let (lock, holder, taker, holding) = shared
            if worker.index == 0 {
                lock.lock(holder.recorder)
                holding.withLock { $0 = true }
                waitUntilWaitedFor(lock.word)
                lock.unlock(holder.recorder)
            } else {
                while !holding.withLock({ $0 }) { sched_yield() }
                lock.lock(taker.recorder)
                lock.unlock(taker.recorder)
            }
        })
        let use = taker.uses()[1]
        #expect(use?.acquisitions == 1)
        #expect(use?.contended == 1)
        #expect(use?.wait.totalCount == 1)
        #expect(use?.ownerChanges == 1)
        #expect(holder.uses()[1]?.contended == 0)
        #expect(holder.uses()[1]?.ownerChanges == 0)
        #expect(memory.load(as: UInt32.self) & 3 == 0)
    }

    /// FutexLock (the model's plain locks, the pool's): a taker that found the lock held
    /// marks the word 2 and sleeps; the release wakes it and it gets the lock.
    @Test func aFutexLockWakesItsSleeper() {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        defer { memory.deallocate() }
        let lock = FutexLock(word: memory)
        lock.lock()
        #expect(memory.load(as: UInt32.self) == 1)
        let takerGotIt = Locked(false), gotItWhileHeld = Locked(false)
        nonisolated(unsafe) let shared = (lock, takerGotIt, gotItWhileHeld)
        let scheduler = Scheduler(placement: [nil, nil], seed: 5)
        scheduler.run(phases: 1, body: { worker, _ in
            let (lock, takerGotIt, gotItWhileHeld) = shared
            if worker.index == 0 {
                waitUntilWaitedFor(lock.word)
                let early = takerGotIt.withLock { $0 }
                gotItWhileHeld.withLock { $0 = early }
                lock.unlock()
            } else {
                lock.lock()
                takerGotIt.withLock { $0 = true }
                lock.unlock()
            }
        })
        #expect(!gotItWhileHeld.withLock { $0 })
        #expect(takerGotIt.withLock { $0 })
        #expect(lock.tryLock())
        lock.unlock()
        #expect(memory.load(as: UInt32.self) == 0)
    }

    @Test func tryLockRefusesAHeldLock() {
        let word = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        word.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        defer { word.deallocate() }
        let lock = InstrumentedLock(word: word, index: 0)
        let a = LockRecording(id: 1), b = LockRecording(id: 2)
        #expect(lock.tryLock(a.recorder))
        #expect(!lock.tryLock(b.recorder))
        lock.unlock(a.recorder)
        #expect(lock.tryLock(b.recorder))
        lock.unlock(b.recorder)
        #expect(b.uses()[0]?.refusedTries == 1)
        #expect(b.uses()[0]?.acquisitions == 1)
        #expect(b.uses()[0]?.ownerChanges == 1)
    }
}

@Suite struct SchedulerTests {
    @Test func phasesMeetAtBarriersAndRespawnKeepsContexts() {
        let n = 3
        let scheduler = Scheduler(placement: Array(repeating: nil, count: n), seed: 9)
        let done = Locked([Int](repeating: 0, count: 4))
        var seenAtCheckpoint: [[Int]] = []
        var respawned = 0
        scheduler.run(phases: 4, body: { worker, phase in
            worker.ops = phase + 1
            done.withLock { $0[phase] += 1 }
        }, checkpoint: { phase in
            seenAtCheckpoint.append(done.withLock { $0 })
            #expect(scheduler.workers.allSatisfy { $0.ops == phase + 1 })
        }, respawnAfter: { $0 == 1 }, onRespawn: { _ in respawned += 1 })
        // At each checkpoint every worker had finished that phase and none had started the next.
        #expect(seenAtCheckpoint == [[3, 0, 0, 0], [3, 3, 0, 0], [3, 3, 3, 0], [3, 3, 3, 3]])
        #expect(respawned == n)
        #expect(scheduler.threadsStarted == 2 * n)
    }

    @Test func workersArePinnedToTheirPlannedCPU() {
        let cpus = Scheduler.allowedCPUs()
        let plan: [Int?] = (0..<4).map { cpus[$0 % cpus.count] }
        let scheduler = Scheduler(placement: plan, seed: 1)
        scheduler.run(phases: 2, body: { worker, _ in
            var x = 0
            for i in 0..<100_000 { x &+= i }
            worker.ops = x
        })
        #expect(scheduler.pinningFailures == 0)
        for w in scheduler.workers {
            #expect(w.pinned)
            #expect(w.observedCPUs == [w.plannedCPU!])
        }
    }
}

/// Spins (yielding) until the lock word at `word` reads "held and perhaps waited for"
/// (state 2 in the low bits, glibc's lll_lock convention that both locks follow): a
/// taker has failed its compare-and-swap, counted the contention and is going to sleep.
func waitUntilWaitedFor(_ word: UnsafeMutableRawPointer) {
    let atomic = UnsafeAtomic<UInt32>(at: word.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    while atomic.load(ordering: .acquiring) & 3 != 2 { sched_yield() }
}
