import ArenaModel
@testable import HeapCheck
import Testing

/// An injection whose set-up the model refuses is an error the runner reports, never a trap.
@Suite struct CorruptorSetUpTests {
    @Test func aBlockTheModelRefusesIsThrown() {
        let w = RandomWorkload(seed: 1, threads: 1, maxLive: 10, coverage: .whole)
        let corruptor = Corruptor(), thread = w.threads[0]
        // More than PTRDIFF_MAX: malloc returns NULL, as glibc's does.
        let error = #expect(throws: InjectionSetUpFailure.self) { _ = try corruptor.hold(Int.max / 2 + 1, thread, &w.ledger) }
        #expect(error?.description.contains("returned NULL") == true)
        #expect(throws: InjectionSetUpFailure.self) { _ = try corruptor.adjacentRun([0x18, Int.max / 2 + 1], w.set, thread, &w.ledger) }
    }
}
