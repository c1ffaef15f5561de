import Reporting
import Testing

/// What checking cost, as the summary and report.md print it beside the run's time.
@Suite struct CheckCostTests {
    private func phase(nanoseconds: UInt64, checks: Int, checkNanoseconds: UInt64?) -> PhaseReport {
        var p = PhaseReport(name: "churn", kind: "churn", ops: 1000, nanoseconds: nanoseconds, perThread: [], heldBytes: nil,
                            inUseBytes: nil, residentBytes: nil, osRequests: nil, arenas: nil, liveBlocks: 0, liveBytes: 0,
                            locks: nil, locksByArena: [], locksByThread: [], checks: checks)
        p.checkNanoseconds = checkNanoseconds
        return p
    }

    @Test func checkingIsShownBesideRunning() {
        #expect(phase(nanoseconds: 1_200_000_000, checks: 3, checkNanoseconds: 300_000_000).checkCost == "run 1.20 s, 3 checks 300.0 ms (20%)")
        #expect(phase(nanoseconds: 900_000, checks: 1, checkNanoseconds: 100_000).checkCost == "run 900 µs, 1 check 100 µs (10%)")
        #expect(phase(nanoseconds: 1_000, checks: 0, checkNanoseconds: nil).checkCost == nil)
    }
}
