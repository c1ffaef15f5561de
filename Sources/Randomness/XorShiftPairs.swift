/// xorshift128+ (Vigna, shifts 23, 18, 5) in two lanes: two independent streams side by
/// side, so that one step is a handful of vector instructions yielding two words. For
/// bulk words where a multiplication per word would be the cost: a worker's churn ops.
/// Seeded from a SplitMix64 stream, so the same seed gives the same ops.
public struct XorShiftPairs: Sendable {
    @usableFromInline var s0: SIMD2<UInt64>
    @usableFromInline var s1: SIMD2<UInt64>

    public init(seed: UInt64) {
        var seeds = SplitMix64(seed: seed)
        s0 = SIMD2(seeds.next(), seeds.next())
        s1 = SIMD2(seeds.next(), seeds.next())
    }

    /// The next word of each lane.
    @inlinable @inline(__always)
    public mutating func next() -> SIMD2<UInt64> {
        var x = s0
        let y = s1
        s0 = y
        x ^= x &<< 23
        s1 = x ^ y ^ (x &>> 18) ^ (y &>> 5)
        return s1 &+ y
    }
}
