import Foundation
import Randomness
import Testing
@testable import Scenario

/// Each distribution stays in its range and, seeded, gives what a hand computation says.
@Suite struct SizeDistributionTests {
    static let seed: UInt64 = 0x5EED_0001
    static let draws = 100_000

    func samples(_ d: SizeDistribution, seed: UInt64 = seed, count: Int = draws) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in d.sample(&rng) }
    }

    @Test func fixedIsFixed() {
        #expect(Set(samples(.fixed(1000), count: 100)) == [1000])
        #expect(SizeDistribution.fixed(1000).meanEstimate == 1000)
    }

    @Test func uniformCoversItsRangeEvenly() {
        print("seed \(Self.seed)")
        let d = SizeDistribution.uniform(min: 8, max: 15)
        let s = samples(d)
        #expect(s.allSatisfy { (8...15).contains($0) })
        for size in 8...15 {
            let share = Double(s.filter { $0 == size }.count) / Double(Self.draws)
            #expect(abs(share - 1.0 / 8) < 0.01, "size \(size): \(share)")
        }
        // The first draw by hand: 8 + the high half of next() x 8.
        var rng = SplitMix64(seed: Self.seed)
        let expected = 8 + Int(rng.next().multipliedFullWidth(by: 8).high)
        #expect(samples(d, count: 1) == [expected])
        #expect(d.meanEstimate == 11.5)
    }

    @Test func pow2YieldsOnlyPowersOfTwoInRange() {
        print("seed \(Self.seed)")
        let d = SizeDistribution.pow2(min: 16, max: 4096)
        let s = samples(d)
        #expect(s.allSatisfy { $0.nonzeroBitCount == 1 && (16...4096).contains($0) })
        #expect(Set(s) == Set((4...12).map { 1 << $0 }))
        var rng = SplitMix64(seed: Self.seed)
        #expect(samples(d, count: 1) == [1 << (4 + rng.below(9))])
        #expect(d.meanEstimate == Double((4...12).map { 1 << $0 }.reduce(0, +)) / 9)
    }

    @Test func pow2BoundsAreRoundedInwards() throws {
        let s = try ScenarioLoader.parse(
            "name: p\nphases: [{name: a, allocate: {count: 1, size: {pow2: [17, 5000]}}}]", file: "p.yaml")
        #expect(s.phases[0].kind == .allocate(AllocateSpec(count: 1, size: .pow2(min: 32, max: 4096))))
    }

    @Test func weightedFrequenciesFollowTheWeights() throws {
        print("seed \(Self.seed)")
        let table = try #require(WeightedSizes([(64, 6), (256, 3), (4096, 1), (8192, 0)]))
        let s = samples(.weighted(table))
        let share = { (size: Int) in Double(s.filter { $0 == size }.count) / Double(Self.draws) }
        #expect(abs(share(64) - 0.6) < 0.01)
        #expect(abs(share(256) - 0.3) < 0.01)
        #expect(abs(share(4096) - 0.1) < 0.01)
        #expect(share(8192) == 0)
        #expect(SizeDistribution.weighted(table).maxSize == 8192)
        #expect(abs(SizeDistribution.weighted(table).meanEstimate - (64 * 0.6 + 256 * 0.3 + 4096 * 0.1)) < 1e-9)
        #expect(WeightedSizes([(64, 0)]) == nil)
        #expect(WeightedSizes([(64, -1), (8, 2)]) == nil)
        #expect(WeightedSizes([]) == nil)
    }

    @Test func inverseSquareFollowsGlibcsBenchmark() {
        print("seed \(Self.seed)")
        let d = SizeDistribution.inverseSquare(min: 4, max: 32768)
        let s = samples(d)
        #expect(s.allSatisfy { (4...32768).contains($0) })
        // P(size < x) = (1/4 - 1/x) / (1/4 - 1/32768): half the draws are under 8.
        let underEight = Double(s.filter { $0 < 8 }.count) / Double(Self.draws)
        #expect(abs(underEight - (0.25 - 0.125) / (0.25 - 1.0 / 32768)) < 0.01, "\(underEight)")
        // The first draw by hand, as get_block_size computes it.
        var rng = SplitMix64(seed: Self.seed)
        let r = rng.nextUnit()
        let expected = Int(1 / ((1.0 / 32768 - 1.0 / 4) * r + 1.0 / 4))
        #expect(samples(d, count: 1) == [expected])
        let mean = Double(s.reduce(0, +)) / Double(Self.draws)
        // Truncation to an integer lowers the continuous mean by about half a byte.
        #expect(abs(mean - d.meanEstimate) < 0.05 * d.meanEstimate, "mean \(mean) vs \(d.meanEstimate)")
    }

    @Test func lognormalCentresOnItsMedianAndIsTruncated() {
        print("seed \(Self.seed)")
        let d = SizeDistribution.lognormal(median: 256, sigma: 1)
        let s = samples(d).sorted()
        #expect(s.first! >= d.minSize && s.last! <= d.maxSize)
        #expect(d.maxSize == Int((256 * exp(4.0)).rounded()))
        let median = s[s.count / 2]
        #expect((240...272).contains(median), "median \(median)")
        let mean = Double(s.reduce(0, +)) / Double(s.count)
        #expect(abs(mean - d.meanEstimate) < 0.05 * d.meanEstimate, "mean \(mean) vs \(d.meanEstimate)")
    }

    @Test func sameSeedSameSizes() {
        let d = SizeDistribution.lognormal(median: 100, sigma: 0.5)
        #expect(samples(d, count: 1000) == samples(d, count: 1000))
        #expect(samples(d, seed: 1, count: 1000) != samples(d, seed: 2, count: 1000))
    }

    @Test func descriptions() {
        #expect(SizeDistribution.uniform(min: 8, max: 1000).description == "uniform [8, 1000]")
        #expect(SizeDistribution.fixed(64).maxSize == 64)
        #expect(SizeDistribution.inverseSquare(min: 4, max: 8).minSize == 4)
    }
}
