import Foundation
internal import Yams

extension Validator {
    /// A size distribution: a mapping with exactly one of `fixed`, `uniform`, `pow2`,
    /// `lognormal`, `inverse_square`, `weighted`; a bare size is short for `{fixed: N}`.
    mutating func sizeDistribution(_ node: Node, path: String) -> SizeDistribution? {
        if case .scalar = node, !Self.isNull(node) {
            return size(node, path: path).map(SizeDistribution.fixed)
        }
        let known = Scenario.knownKeys["size"]!
        guard let f = fields(node, path: path, known: known,
                             expected: "a size distribution such as {fixed: 64} or {uniform: [8, 1000]}")
        else { return nil }
        guard let entry = f.entries.first else {
            if !f.hadUnknownKeys { report(path, "expected one of \(known.joined(separator: ", "))", at: node) }
            return nil
        }
        if f.entries.count > 1 {
            report(path, "give one distribution, found \(f.entries.map { "'\($0.key)'" }.joined(separator: ", "))",
                   at: f.entries[1].keyNode)
            return nil
        }
        let value = entry.value, inner = f.path(entry.key)
        switch entry.key {
        case "fixed":
            return size(value, path: inner).map(SizeDistribution.fixed)
        case "uniform":
            return range(value, path: inner, least: 0).map { SizeDistribution.uniform(min: $0.min, max: $0.max) }
        case "pow2":
            guard let (low, high) = range(value, path: inner, least: 1) else { return nil }
            // The bounds rounded inwards to powers of two.
            let min = low.nonzeroBitCount == 1 ? low : 1 << (Int.bitWidth - (low - 1).leadingZeroBitCount)
            let max = 1 << (Int.bitWidth - 1 - high.leadingZeroBitCount)
            guard min <= max else {
                report(inner, "no power of two in [\(low), \(high)]", at: value)
                return nil
            }
            return .pow2(min: min, max: max)
        case "inverse_square":
            return range(value, path: inner, least: 1).map { SizeDistribution.inverseSquare(min: $0.min, max: $0.max) }
        case "lognormal":
            return lognormal(value, path: inner)
        case "weighted":
            return weighted(value, path: inner)
        default:
            return nil
        }
    }

    /// `[min, max]` of sizes, each at least `least`, min <= max.
    private mutating func range(_ node: Node, path: String, least: Int) -> (min: Int, max: Int)? {
        guard case .sequence(let items) = node, items.count == 2 else {
            let found = node.sequence.map { "a list of \($0.count)" } ?? Self.display(node)
            report(path, "expected a range [min, max], found \(found)", at: node)
            return nil
        }
        let low = size(items[0], path: "\(path)[0]", in: least...Units.maxSize)
        let high = size(items[1], path: "\(path)[1]", in: least...Units.maxSize)
        guard let low, let high else { return nil }
        guard low <= high else {
            report(path, "range is reversed: \(low) > \(high)", at: node)
            return nil
        }
        return (low, high)
    }

    private mutating func lognormal(_ node: Node, path: String) -> SizeDistribution? {
        guard let f = fields(node, path: path, known: Scenario.knownKeys["size.lognormal"]!,
                             required: ["median", "sigma"])
        else { return nil }
        let median = f["median"].flatMap { size($0, path: f.path("median"), in: 1...Units.maxSize) }
        var sigma = f["sigma"].flatMap { number($0, path: f.path("sigma")) }
        if let s = sigma, s <= 0, let value = f["sigma"] {
            report(f.path("sigma"), "must be more than 0, found \(Self.text(value) ?? "")", at: value)
            sigma = nil
        }
        guard let median, let sigma else { return nil }
        let distribution = SizeDistribution.lognormal(median: median, sigma: sigma)
        let largest = Double(median) * exp(sigma * SizeDistribution.lognormalTruncation)
        guard largest <= Double(Units.maxSize) else {
            report(path, "sizes reach beyond the address space (median x e^(4 sigma) > 128TiB); lower sigma or median",
                   at: node)
            return nil
        }
        return distribution
    }

    private mutating func weighted(_ node: Node, path: String) -> SizeDistribution? {
        guard case .sequence(let items) = node, !items.isEmpty else {
            report(path, "expected a list of [size, weight] pairs, found \(Self.display(node))", at: node)
            return nil
        }
        let before = problems.count
        var pairs: [(size: Int, weight: Double)] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard case .sequence(let pair) = item, pair.count == 2 else {
                report(itemPath, "expected a [size, weight] pair, found \(Self.display(item))", at: item)
                continue
            }
            let size = self.size(pair[0], path: "\(itemPath)[0]")
            let weight = number(pair[1], path: "\(itemPath)[1]")
            if let weight, weight < 0 {
                report("\(itemPath)[1]", "weight must not be negative, found \(Self.text(pair[1]) ?? "")", at: pair[1])
            }
            if let size, let weight { pairs.append((size, weight)) }
        }
        guard problems.count == before else { return nil }
        guard let table = WeightedSizes(pairs) else {
            report(path, "weights are all 0", at: node)
            return nil
        }
        return .weighted(table)
    }
}
