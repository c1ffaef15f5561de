import ArenaModel
import HeapCheck
import Testing

/// Sound heaps report nothing: seeded random programs, checked in full every 1,000 ops.
@Suite struct NoFalsePositiveTests {
    @Test func smoke() {
        let w = RandomWorkload(seed: 1, threads: 2)
        let checker = HeapChecker()
        for round in 0..<10 {
            #expect(w.run(1000))
            let report = checker.check(w.set, ledgers: [w.ledger], logs: [w.log])
            #expect(report.isSound, "round \(round): \(report)")
            if !report.isSound { break }
        }
        print(checker.check(w.set, ledgers: [w.ledger]).description)
    }
}
