/// wyrand (Wang Yi's generator): one 128-bit multiplication per value. Drawn in bulk
/// where SplitMix64's three dependent multiplications would be the cost, such as a
/// worker's op words; seeded from a SplitMix64 stream, so the same seed still gives
/// the same ops.
public struct WyRand: Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0xA076_1D64_78BD_642F
        let product = state.multipliedFullWidth(by: state ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }
}
