import Randomness

/// The table behind `SizeDistribution.weighted`: sizes, their weights, and the
/// cumulative weights that sampling searches (built once, at validation).
public struct WeightedSizes: Sendable, Codable, Equatable {
    /// The sizes, in the order the scenario gives them.
    public let sizes: [Int]
    /// Their relative weights, each at least 0, not all 0.
    public let weights: [Double]
    // Running sums of the weights divided by their total: the last is exactly 1.
    @usableFromInline let cumulative: [Double]

    /// A table of `pairs`, or nil when a weight is negative or not finite, every weight is
    /// zero, or there is none.
    public init?(_ pairs: [(size: Int, weight: Double)]) {
        guard !pairs.isEmpty, pairs.allSatisfy({ $0.weight >= 0 && $0.weight.isFinite }) else { return nil }
        let total = pairs.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        sizes = pairs.map(\.size)
        weights = pairs.map(\.weight)
        var running = 0.0
        var sums = pairs.map { pair -> Double in
            running += pair.weight
            return running / total
        }
        sums[sums.count - 1] = 1
        cumulative = sums
    }

    private enum CodingKeys: String, CodingKey { case sizes, weights, cumulative }

    /// The table of a report's scenario, built again from its sizes and weights (an
    /// edited report cannot hand sampling a table that does not hold together).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let sizes = try c.decode([Int].self, forKey: .sizes), weights = try c.decode([Double].self, forKey: .weights)
        guard sizes.count == weights.count, let table = WeightedSizes(zip(sizes, weights).map { (size: $0, weight: $1) }) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: c.codingPath, debugDescription: "weighted sizes: sizes and weights do not pair up, or no weight is positive"))
        }
        self = table
    }

    /// The weighted mean size.
    public var mean: Double {
        zip(sizes, weights).reduce(0) { $0 + Double($1.0) * $1.1 } / weights.reduce(0, +)
    }

    /// A size with probability proportional to its weight (binary search, no allocation).
    @inlinable
    public func sample(_ rng: inout SplitMix64) -> Int {
        let u = rng.nextUnit()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if u < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        return sizes[low]
    }
}
