import ArenaModel
import HeapCheck
import Testing

/// An attacker's recipe shapes the heap it needs: every kind of the corpus sets itself
/// up after a fragmenting workload, with every tcache bin full and the fastbins
/// populated, at 1 to 8 threads, and is caught by a check that catches it
/// (`CorruptionKind.caughtBy`). One seed in four runs without a tcache, where the
/// tcache's own kinds say so instead of trapping; a cross-thread kind says so on one
/// thread, and on more works through the injecting thread and the next one.
@Suite struct SetUpInAnyHeapTests {
    static let seeds: [UInt64] = Array(0..<20)
    static let tcacheKinds: Set<CorruptionKind> = [.doubleFreeTcache, .tcachePoisoning, .tcacheCount, .crossThreadDoubleFree, .remoteTcacheWrite]

    @Test func theTcacheKindsAreThoseThatRequireATcache() {
        #expect(Set(CorruptionKind.allCases.filter { $0.requirement == .tcache }) == Self.tcacheKinds)
    }

    @Test(arguments: CorruptionKind.allCases)
    func everyKindSetsItselfUpAndIsCaught(_ kind: CorruptionKind) {
        var caughtBy: [String: Int] = [:]
        for seed in Self.seeds {
            let threads = 1 + Int(seed % 8), tcache = seed % 4 != 3
            let heap = ShapedHeap(seed: seed, threads: threads, tcache: tcache)
            heap.fragment(5000, sizes: 144...1008)
            heap.fillTcaches()
            heap.populateFastbins(64)
            let checker = HeapChecker()
            let before = checker.check(heap.set, ledgers: [heap.ledger])
            #expect(before.isSound, "seed \(seed): \(before)")
            let corruptor = Corruptor()
            var ledger = Ledger(coverage: .whole)
            let first = Int(seed / 8) % threads
            let thread = heap.threads[first]
            // The injecting thread, then the others from the next one round.
            let order = (0..<threads).map { heap.threads[(first + $0) % threads] }
            let context = "\(kind.rawValue), seed \(seed), \(threads) threads, tcache \(tcache ? "on" : "off")"
            let tooFewThreads = threads < kind.minimumThreads
            let injection: Injection
            do {
                injection = try corruptor.inject(kind, into: heap.set, threads: order, ledger: &ledger, seed: seed)
            } catch {
                let expected = tooFewThreads ? "\(kind.rawValue) needs 2 threads, given 1" : "the tcache is off (tcache_count 0)"
                #expect((tooFewThreads || !tcache && Self.tcacheKinds.contains(kind)) && "\(error)" == expected,
                        "\(context): could not be set up: \(error)")
                continue
            }
            #expect(tcache || !Self.tcacheKinds.contains(kind), "\(context): set up without a tcache")
            #expect(!tooFewThreads, "\(context): set up on too few threads")
            let report = checker.check(heap.set, ledgers: [heap.ledger, ledger])
            if heap.set.violations.isEmpty, let followUp = injection.followUp { followUp.run(on: thread, ledger: &ledger) }
            if kind == .mmapSize { injection.revert() }
            let catching = DetectionMatrixTests.catching(kind, report.brokenInvariants, heap.set.violations.map(\.message))
            for check in catching { caughtBy[check, default: 0] += 1 }
            #expect(!catching.isEmpty, "\(context): not caught by \(kind.caughtBy) (found: \(report.brokenInvariants), \(heap.set.violations.map(\.message))): \(injection.summary)")
        }
        print("\(kind.rawValue) over seeds \(Self.seeds.first!)-\(Self.seeds.last!): caught by \(caughtBy.keys.sorted().map { "\($0) \(caughtBy[$0]!)" }.joined(separator: ", "))")
    }
}
