/// SplitMix64: a small, fast, seeded generator. Every seeded stream of the project
/// (workers' op streams, traces, corruptions, test programs) comes from one, so the same
/// seed gives the same run everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    @inlinable
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

extension SplitMix64 {
    /// A value in `0..<n` by the high half of a 128-bit product (Lemire's method without
    /// the rejection step): the same on every toolchain, unlike `Int.random(in:using:)`.
    @inlinable
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A value in `range`.
    @inlinable
    public mutating func within(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// An index of `weights` chosen with probability proportional to its weight.
    public mutating func pick(_ weights: [Int]) -> Int {
        var r = below(weights.reduce(0, +))
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    /// `array` in a random order (Fisher-Yates).
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var a = array
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
        return a
    }
}
