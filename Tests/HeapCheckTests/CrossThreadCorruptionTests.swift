import ArenaModel
import HeapCheck
import Testing

/// The corruption only threads make, on the model's own calls: what glibc 2.36's runtime
/// checks (the model's) make of it, and what the heap checker makes of it.
@Suite struct CrossThreadCorruptionTests {
    /// Two threads with tcaches, and a 100-byte block of thread a's.
    static func twoThreads() -> (set: ArenaSet, a: MallocThread, b: MallocThread, block: UnsafeMutableRawPointer) {
        let set = ArenaSet()
        let a = set.attachThread(), b = set.attachThread()
        _ = b.malloc(16)
        return (set, a, b, a.malloc(100)!)
    }

    @Test func aDoubleFreeByTwoThreadsPassesGlibcsKeyCheckAndIsFoundInTwoTcaches() {
        let (set, a, b, block) = Self.twoThreads()
        a.free(block)
        b.free(block)
        #expect(set.violations.isEmpty, "\(set.violations)")
        let report = HeapChecker().check(set)
        #expect(report.brokenInvariants.contains(.l6), "\(report)")
        #expect(report.violations.contains { $0.invariant == .l6 && $0.message.contains("reachable from two threads' tcaches") }, "\(report)")
        // The chunk is handed out twice, once to each thread.
        #expect(a.malloc(100) == block)
        #expect(b.malloc(100) == block)
    }

    @Test func theSameDoubleFreeOnOneThreadIsCaughtByTheKeyCheck() {
        let (set, a, _, block) = Self.twoThreads()
        a.free(block)
        a.free(block)
        #expect(set.violations.map(\.check) == [.freeDoubleFreeTcache])
    }

    @Test func aKeyChangedBehindItsOwnerIsL9AndGlibcHandsTheChunkBackWithoutAWord() {
        let (set, a, b, _) = Self.twoThreads()
        // b's block, freed by a: it sits in a's tcache; b writes through its stale pointer.
        let theirs = b.malloc(100)!
        a.free(theirs)
        theirs.storeBytes(of: 0x4141_4141, toByteOffset: 8, as: UInt.self)
        let report = HeapChecker().check(set)
        #expect(report.brokenInvariants == [.l9], "\(report)")
        #expect(a.malloc(100) == theirs)
        #expect(set.violations.isEmpty, "\(set.violations)")
    }

    @Test func eachCrossThreadKindIsCaughtOnEverySeedWithoutGlibcSeeingTheInjection() {
        for kind in [CorruptionKind.crossThreadDoubleFree, .remoteTcacheWrite] {
            var found: [String: Int] = [:]
            for seed in UInt64(0)..<16 {
                let w = RandomWorkload(seed: seed, threads: 2 + Int(seed % 3), maxLive: 60, coverage: .whole)
                w.run(200)
                let others = Array(w.threads.dropFirst())
                let injection: Injection
                do {
                    injection = try Corruptor().inject(kind, into: w.set, threads: [w.threads[0]] + others, ledger: &w.ledger, seed: seed)
                } catch {
                    Issue.record("\(kind.rawValue) seed \(seed): \(error)")
                    continue
                }
                #expect(w.set.violations.isEmpty, "\(kind.rawValue) seed \(seed): glibc's checks saw the injection itself: \(w.set.violations)")
                let report = HeapChecker().check(w.set, ledgers: [w.ledger])
                let catching = report.brokenInvariants.filter { kind.caughtBy.catches(invariant: $0.rawValue) }
                #expect(!catching.isEmpty, "\(kind.rawValue) seed \(seed): \(injection.summary): \(report)")
                if kind == .remoteTcacheWrite {
                    // A key is L9's; a next is L10's (or L2's): never the other.
                    let key = injection.summary.contains("over its key")
                    #expect(catching.contains(key ? .l9 : .l10) || !key && catching.contains(.l2), "seed \(seed): \(injection.summary): \(report)")
                }
                for id in catching { found[id.rawValue, default: 0] += 1 }
            }
            print("\(kind.rawValue) over seeds 0-15: caught by \(found.keys.sorted().map { "\($0) \(found[$0]!)" }.joined(separator: ", ")); \(kind.glibcMisses ?? "")")
        }
    }

    @Test func aCrossThreadKindGivenOneThreadIsRefusedNotTrapped() {
        let w = RandomWorkload(seed: 3, threads: 1, maxLive: 10, coverage: .whole)
        for kind in CorruptionKind.allCases where kind.minimumThreads > 1 {
            let error = #expect(throws: InjectionSetUpFailure.self) {
                _ = try Corruptor().inject(kind, into: w.set, thread: w.threads[0], ledger: &w.ledger, seed: 1)
            }
            #expect(error?.description == "\(kind.rawValue) needs 2 threads, given 1")
        }
    }
}
