import Foundation
import Randomness

/// How a phase picks the size of each request. Validation builds these, so the bounds
/// hold: every sample is in `0...Units.maxSize`, ranges are not reversed.
///
/// `sample(_:)` is what workers call per operation: it allocates nothing and costs a
/// few arithmetic operations (a binary search for `weighted`).
public enum SizeDistribution: Sendable, Codable, Equatable {
    /// Always `size` bytes. YAML: `{fixed: 1000}`.
    case fixed(Int)
    /// Uniform in `min...max`. YAML: `{uniform: [8, 1000]}`.
    case uniform(min: Int, max: Int)
    /// A power of two in `min...max`, each exponent equally likely. Validation rounds the
    /// bounds inwards to powers of two. YAML: `{pow2: [16, 4k]}`.
    case pow2(min: Int, max: Int)
    /// Log-normal around `median` with shape `sigma` (of the underlying normal),
    /// truncated at 4 sigma either side so its largest size is known.
    /// YAML: `{lognormal: {median: 256, sigma: 1.2}}`.
    case lognormal(median: Int, sigma: Double)
    /// Density proportional to 1/size² on `min...max`, drawn as glibc's
    /// benchtests/bench-malloc-thread.c `get_block_size` does (inverse CDF, truncated to
    /// an integer). YAML: `{inverse_square: [4, 32k]}`.
    case inverseSquare(min: Int, max: Int)
    /// Sizes with relative weights. YAML: `{weighted: [[64, 10], [4k, 1]]}`.
    case weighted(WeightedSizes)

    /// How far either side of the median a log-normal sample may go, in sigmas.
    public static let lognormalTruncation = 4.0

    /// One size, drawn from `rng`. Fixed and uniform sizes inline into a worker's loop;
    /// the others are a call.
    @inlinable @inline(__always)
    public func sample(_ rng: inout SplitMix64) -> Int {
        switch self {
        case .fixed(let size):
            return size
        case .uniform(let min, let max):
            return min + rng.below(max - min + 1)
        default:
            return sampleOther(&rng)
        }
    }

    /// One size for the op whose random word is `word`: fixed and uniform sizes come
    /// from the word itself; the others draw from `rng`.
    @inlinable @inline(__always)
    public func sample(word: UInt64, _ rng: inout SplitMix64) -> Int {
        if let sizes = wordSizes { return sizes.size(for: word) }
        if case .uniform(let min, let max) = self {
            let mixed = (word ^ (word >> 29)) &* 0xBF58_476D_1CE4_E5B9
            return min &+ Int(truncatingIfNeeded: mixed.multipliedFullWidth(by: UInt64(truncatingIfNeeded: max &- min &+ 1)).high)
        }
        return sampleOther(&rng)
    }

    /// How `sample(word:_:)` takes fixed sizes, and uniform ones over fewer than 2³²
    /// sizes, from the word: one multiply; nil for the others.
    @inlinable
    public var wordSizes: WordSizes? {
        switch self {
        case .fixed(let size): WordSizes(base: size, span: 0)
        case .uniform(let min, let max) where max &- min < 0xFFFF_FFFF: WordSizes(base: min, span: UInt32(max - min + 1))
        default: nil
        }
    }
}

/// Sizes `base ..< base + span` (or `base` alone when `span` is 0) from the low 32 bits
/// of a random word, by one 32-bit multiply: a churn op's slot comes from the word's high
/// half, so the two do not follow each other.
public struct WordSizes: Sendable {
    public let base: Int
    public let span: UInt32

    @inlinable
    public init(base: Int, span: UInt32) {
        self.base = base
        self.span = span
    }

    @inlinable @inline(__always)
    public func size(for word: UInt64) -> Int {
        base &+ Int(truncatingIfNeeded: (UInt64(UInt32(truncatingIfNeeded: word)) &* UInt64(span)) >> 32)
    }
}

extension SizeDistribution {
    @usableFromInline
    func sampleOther(_ rng: inout SplitMix64) -> Int {
        switch self {
        case .fixed, .uniform:
            preconditionFailure("sample draws fixed and uniform sizes itself")
        case .pow2(let min, let max):
            let low = min.trailingZeroBitCount, high = max.trailingZeroBitCount
            return 1 << (low + rng.below(high - low + 1))
        case .lognormal(let median, let sigma):
            // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
            let u1 = 1 - rng.nextUnit(), u2 = rng.nextUnit()
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            let clamped = Swift.min(Swift.max(z, -Self.lognormalTruncation), Self.lognormalTruncation)
            return Swift.max(1, Int((Double(median) * exp(sigma * clamped)).rounded()))
        case .inverseSquare(let min, let max):
            let minPow = 1 / Double(min), maxPow = 1 / Double(max)
            let size = Int(1 / ((maxPow - minPow) * rng.nextUnit() + minPow))
            return Swift.min(Swift.max(size, min), max)
        case .weighted(let table):
            return table.sample(&rng)
        }
    }

    /// The largest size a sample can be.
    public var maxSize: Int {
        switch self {
        case .fixed(let size): return size
        case .uniform(_, let max), .pow2(_, let max), .inverseSquare(_, let max): return max
        case .lognormal(let median, let sigma):
            return Int((Double(median) * exp(sigma * Self.lognormalTruncation)).rounded())
        case .weighted(let table): return table.sizes.max() ?? 0
        }
    }

    /// The smallest size a sample can be.
    public var minSize: Int {
        switch self {
        case .fixed(let size): return size
        case .uniform(let min, _), .pow2(let min, _), .inverseSquare(let min, _): return min
        case .lognormal(let median, let sigma):
            return Swift.max(1, Int((Double(median) * exp(-sigma * Self.lognormalTruncation)).rounded()))
        case .weighted(let table): return table.sizes.min() ?? 0
        }
    }

    /// The mean size, exact where that is cheap, else the untruncated distribution's
    /// (log-normal) or the continuous one's (inverse square): for reports and for sizing
    /// a run, not for statistics.
    public var meanEstimate: Double {
        switch self {
        case .fixed(let size):
            return Double(size)
        case .uniform(let min, let max):
            return (Double(min) + Double(max)) / 2
        case .pow2(let min, let max):
            let low = min.trailingZeroBitCount, high = max.trailingZeroBitCount
            return (low...high).reduce(0.0) { $0 + Double(1 << $1) } / Double(high - low + 1)
        case .lognormal(let median, let sigma):
            return Double(median) * exp(sigma * sigma / 2)
        case .inverseSquare(let min, let max):
            guard min < max else { return Double(min) }
            let a = Double(min), b = Double(max)
            return log(b / a) / (1 / a - 1 / b)
        case .weighted(let table):
            return table.mean
        }
    }
}

extension SizeDistribution: CustomStringConvertible {
    /// The distribution as a scenario writes it, e.g. `uniform [8, 1000]`.
    public var description: String {
        switch self {
        case .fixed(let size): return "fixed \(size)"
        case .uniform(let min, let max): return "uniform [\(min), \(max)]"
        case .pow2(let min, let max): return "pow2 [\(min), \(max)]"
        case .lognormal(let median, let sigma): return "lognormal median \(median) sigma \(sigma)"
        case .inverseSquare(let min, let max): return "inverse_square [\(min), \(max)]"
        case .weighted(let table):
            return "weighted " + zip(table.sizes, table.weights).map { "\($0)x\($1)" }.joined(separator: " ")
        }
    }
}
