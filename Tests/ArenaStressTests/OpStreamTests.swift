@testable import ArenaStress
import Randomness
import Reporting
import Scenario
import Testing

/// A churn's op stream: the slots and sizes its batches draw, and what a churn made of
/// them leaves behind.
@Suite struct OpStreamTests {
    @Test func batchesSpreadOpsOverEverySlotAndSize() {
        let seed: UInt64 = 31
        print("OpStreamTests seed \(seed)")
        let batch = OpBatch()
        defer { batch.deallocate() }
        var words = XorShiftPairs(seed: seed)
        let live = 100, sizes = WordSizes(base: 16, span: 64)
        var slotCounts = [Int](repeating: 0, count: live), sizeCounts = [Int](repeating: 0, count: 64)
        var sameHalf = 0
        let batches = 2_000
        for _ in 0..<batches {
            batch.draw(OpBatch.capacity, live: live, sizes: sizes, choices: false, &words)
            for i in 0..<OpBatch.capacity {
                let slot = batch.slots[i], size = batch.sizes[i]
                #expect((0..<live).contains(slot) && (16..<80).contains(size), "op \(i): slot \(slot), size \(size)")
                guard (0..<live).contains(slot) && (16..<80).contains(size) else { return }
                slotCounts[slot] += 1
                sizeCounts[size - 16] += 1
                if (slot < live / 2) == (size < 48) { sameHalf += 1 }
            }
        }
        let ops = batches * OpBatch.capacity
        // 1,280 per slot and 2,000 per size expected; a fair draw stays within 15%.
        #expect(slotCounts.allSatisfy { abs($0 - ops / live) < ops / live * 15 / 100 }, "\(slotCounts)")
        #expect(sizeCounts.allSatisfy { abs($0 - ops / 64) < ops / 64 * 15 / 100 }, "\(sizeCounts)")
        // The slot and the size come from different halves of a word: they do not follow each other.
        #expect(abs(sameHalf - ops / 2) < ops / 100, "\(sameHalf) of \(ops)")
    }

    @Test func withoutDrawnSizesTheBatchKeepsEachOpsWord() {
        let batch = OpBatch()
        defer { batch.deallocate() }
        var words = XorShiftPairs(seed: 5), again = XorShiftPairs(seed: 5)
        batch.draw(OpBatch.capacity, live: 7, sizes: nil, choices: false, &words)
        for i in stride(from: 0, to: OpBatch.capacity, by: 2) {
            let pair = again.next()
            #expect(batch.words[i] == pair[0] && batch.words[i + 1] == pair[1])
            #expect(batch.slots[i] == Int(pair[0].multipliedFullWidth(by: 7).high))
        }
        // Sizes taken op by op from the word give what the distribution gives.
        var unused = SplitMix64(seed: 0)
        let uniform = SizeDistribution.uniform(min: 10, max: 20)
        for i in 0..<OpBatch.capacity { #expect((10...20).contains(uniform.sample(word: batch.words[i], &unused))) }
    }

    @Test func aChurnFillsAboutHalfItsSlotsWithSizesAcrossTheRange() throws {
        let s = try ScenarioLoader.parse("""
            name: churn-outcome
            seed: 8
            check: never
            phases:
              - name: churn
                churn: {ops: 200000, live: 1000, size: {uniform: [16, 1016]}}
            """, file: "test.yaml")
        let phase = Runner(scenario: s).runOnModel(s.sweepPoints[0]).phases[0]
        #expect(phase.ops == 200_000)
        // A slot picked at random flips between full and empty: about half end full.
        #expect((400...600).contains(phase.liveBlocks), "\(phase.liveBlocks) live blocks")
        let mean = phase.liveBytes / max(phase.liveBlocks, 1)
        #expect((466...566).contains(mean), "mean live block \(mean) bytes")
    }
}
