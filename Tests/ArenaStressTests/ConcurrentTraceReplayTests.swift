import ArenaModel
import ArenaStress
import Fidelity
import HeapCheck
import Randomness
import Testing

/// A trace replayed with its threads running at once ends as the sequential replay
/// does: the same slots hold blocks of the same requests, on a heap the checker finds
/// sound; and a replay whose threads free each other's blocks all the time ends.
@Suite struct ConcurrentTraceReplayTests {
    /// The blocks the sequential replay's slots hold at the end, by slot: the request
    /// of the op that filled each slot (its results say which ops returned NULL).
    static func sequentialLiveBlocks(_ trace: Trace) -> (blocks: [Int: Int], violations: [Violation]) {
        let replayer = ModelReplayer(tunables: trace.tunables)
        let results = replayer.replay(trace).filter(\.isOp)
        var live: [Int: Int] = [:]
        for (event, result) in zip(trace.events, results) {
            var null = false
            if case .null = result { null = true }
            switch event.op {
            case .malloc(let size, let slot), .memalign(_, let size, let slot):
                live[slot] = null ? nil : size
            case .calloc(let count, let size, let slot):
                live[slot] = null ? nil : count * size
            case .realloc(let size, let slot):
                if !null { live[slot] = size } else if size == 0 { live[slot] = nil }
            case .free(let slot):
                live[slot] = nil
            case .trim, .exit:
                break
            }
        }
        return (live, replayer.set.violations)
    }

    /// The heap check over the replay's model, with its live blocks as a ledger
    /// (patterns written now: G1 and G2 are what it tells about them).
    static func check(_ result: ConcurrentTraceReplayResult) -> HeapReport {
        var ledger = Ledger(coverage: .whole, capacity: result.liveBlocks.count)
        for block in result.liveBlocks {
            ledger.add(UnsafeMutableRawPointer(bitPattern: block.address)!, requestSize: block.requestSize, id: UInt64(block.slot + 1))
        }
        return HeapChecker().check(result.set, ledgers: [ledger])
    }

    // Seeds of the generated threaded traces whose tunables keep blocks below megabytes
    // (ThreadedTrace's settings 4 and 5 reach them, where a NULL may depend on which
    // arena a thread got): every setting but those, one seed each.
    @Test(arguments: [0, 1, 2, 3, 6, 7, 8, 9] as [UInt64])
    func aThreadedTraceEndsWithTheSequentialReplaysLiveBlocksOnASoundHeap(_ seed: UInt64) throws {
        let trace = TraceGenerator.trace(.threads, seed: seed, count: 4000)
        print("concurrent replay: threads trace, seed \(seed), \(trace.comments.joined(separator: "; "))")
        let sequential = Self.sequentialLiveBlocks(trace)
        #expect(sequential.violations.isEmpty, "\(sequential.violations)")
        let result = try ConcurrentTraceReplay.run(trace, tunables: trace.tunables)
        #expect(result.violations.isEmpty, "seed \(seed): \(result.violations)")
        let concurrent = Dictionary(uniqueKeysWithValues: result.liveBlocks.map { ($0.slot, $0.requestSize) })
        #expect(concurrent == sequential.blocks, "seed \(seed): live blocks differ")
        let report = Self.check(result)
        #expect(report.isSound, "seed \(seed): \(report)")
        #expect(result.threads == Set(trace.events.map(\.thread)).count)
        #expect(result.exits == trace.events.filter { $0.op == .exit }.count)
    }

    /// 8 threads from the start, each op on a random one, frees and reallocs mostly of
    /// blocks another thread allocated, threads 1-7 exiting at the end.
    static func eightThreadTrace(seed: UInt64, ops: Int) -> Trace {
        var rng = SplitMix64(seed: seed)
        var events: [TraceEvent] = (0..<8).map { TraceEvent(thread: $0, .malloc(size: 64, slot: $0)) }
        var live = Array(0..<8), empty = Array(8..<512)
        // Takes a random element out of `list` (order does not matter).
        func take(_ list: inout [Int]) -> Int {
            let i = rng.below(list.count)
            list.swapAt(i, list.count - 1)
            return list.removeLast()
        }
        while events.count < ops {
            let thread = rng.below(8)
            let r = rng.below(10)
            if r < 5 && !empty.isEmpty || live.isEmpty {
                let slot = take(&empty)
                live.append(slot)
                events.append(TraceEvent(thread: thread, .malloc(size: rng.within(1...4000), slot: slot)))
            } else if r < 9 {
                let slot = take(&live)
                empty.append(slot)
                events.append(TraceEvent(thread: thread, .free(slot: slot)))
            } else {
                events.append(TraceEvent(thread: thread, .realloc(size: rng.within(1...8000), slot: live[rng.below(live.count)])))
            }
        }
        events += (1..<8).map { TraceEvent(thread: $0, .exit) }
        return Trace(comments: ["eight threads seed=\(seed)"], events: events)
    }

    @Test func anEightThreadTraceOfCrossThreadFreesRunsToItsEnd() throws {
        let seed: UInt64 = 0x8_7EAD
        print("concurrent replay: eight-thread trace, seed \(seed)")
        let trace = Self.eightThreadTrace(seed: seed, ops: 20_000)
        let result = try ConcurrentTraceReplay.run(trace, tunables: Tunables())
        #expect(result.threads == 8)
        #expect(result.exits == 7)
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(Dictionary(uniqueKeysWithValues: result.liveBlocks.map { ($0.slot, $0.requestSize) }) == Self.sequentialLiveBlocks(trace).blocks)
        #expect(Self.check(result).isSound)
        // Every op that allocates or frees in an arena takes its lock: acquisitions are
        // counted whatever the scheduling (how many waited is the host's).
        let acquisitions = result.lockUsesByArena.values.reduce(0) { $0 + $1.acquisitions }
        #expect(acquisitions > 0 && result.lockUsesByArena.keys.allSatisfy { $0 < result.arenaCount })
        print("eight-thread trace: \(result.arenaCount) arenas, lock use by arena: "
              + result.lockUsesByArena.keys.sorted().map { "\($0): \(result.lockUsesByArena[$0]!.acquisitions) acquisitions, \(result.lockUsesByArena[$0]!.contended) contended" }.joined(separator: "; "))
    }

    @Test func aTraceWithoutOpsReplaysToNothing() throws {
        let result = try ConcurrentTraceReplay.run(Trace(), tunables: Tunables())
        #expect(result.threads == 0 && result.liveBlocks.isEmpty && result.violations.isEmpty)
        #expect(HeapChecker().check(result.set).isSound)
    }

    @Test func aTraceOfMoreThreadsThanRunAtOnceIsRefused() {
        let trace = Trace(events: (0...Trace.threadLimit).map { TraceEvent(thread: $0, .malloc(size: 16, slot: 0)) })
        #expect(throws: ConcurrentTraceReplayError.self) { _ = try ConcurrentTraceReplay.run(trace, tunables: Tunables()) }
    }
}
