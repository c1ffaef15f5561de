import Randomness
import Scenario
import Testing

/// `SizeDistribution.sample(word:_:)`: the size a churn op takes from its own random word.
@Suite struct SizeFromWordTests {
    @Test func uniformSizesFromWordsStayInRangeAndSpreadEvenly() {
        let seed: UInt64 = 2024
        print("SizeFromWordTests seed \(seed)")
        var words = SplitMix64(seed: seed), unused = SplitMix64(seed: 0)
        let sizes = SizeDistribution.uniform(min: 16, max: 79)
        var counts = [Int](repeating: 0, count: 64)
        let draws = 128_000
        for _ in 0..<draws {
            let size = sizes.sample(word: words.next(), &unused)
            #expect((16...79).contains(size))
            counts[size - 16] += 1
        }
        // 2,000 expected per size; a fair draw stays well within 20% of it.
        #expect(counts.allSatisfy { abs($0 - draws / 64) < draws / 64 / 5 }, "\(counts)")
        // The word's own remix, not the generator, chose them.
        var fresh = SplitMix64(seed: 0)
        #expect(unused.next() == fresh.next())
    }

    /// The slot a churn op takes comes from the same word's high bits: the size must not
    /// follow the slot.
    @Test func theSizeDoesNotFollowTheSlot() {
        var words = SplitMix64(seed: 7), unused = SplitMix64(seed: 0)
        let sizes = SizeDistribution.uniform(min: 0, max: 1)
        var sameHalf = 0
        let draws = 100_000
        for _ in 0..<draws {
            let word = words.next()
            let slotHalf = Int(word.multipliedFullWidth(by: 2).high)
            if sizes.sample(word: word, &unused) == slotHalf { sameHalf += 1 }
        }
        #expect(abs(sameHalf - draws / 2) < draws / 50, "\(sameHalf) of \(draws)")
    }

    @Test func otherDistributionsDrawFromTheGenerator() {
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        let sizes = SizeDistribution.pow2(min: 16, max: 4096)
        for word in [UInt64(1), 2, 3] { #expect(sizes.sample(word: word, &a) == sizes.sample(&b)) }
        #expect(SizeDistribution.fixed(100).sample(word: 12345, &a) == 100)
    }
}
