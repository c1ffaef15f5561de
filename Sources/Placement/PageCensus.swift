import Glibc

/// Where a sample of a memory range's pages are: how many were looked at, how many are
/// present, and how many of those are on each node (move_pages(2) with no targets).
public struct PageCensus: Sendable, Equatable {
    /// Pages asked about.
    public var sampled = 0
    /// Pages present in memory (the rest were never touched, or were given back).
    public var resident = 0
    /// Present pages by node id.
    public var byNode: [Int: Int] = [:]
    /// Why the kernel would not say, when it would not.
    public var error: BindingError?

    public init() {}

    /// Present pages on `node`.
    public func onNode(_ node: Int) -> Int { byNode[node] ?? 0 }

    /// Looks at up to `limit` pages spread evenly over `ranges` (addresses, any alignment).
    public static func take(_ ranges: [Range<UInt>], limit: Int, binder: MemoryBinder) -> PageCensus {
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let pages = ranges.flatMap { r -> [UInt] in
            guard r.upperBound > r.lowerBound else { return [] }
            let first = r.lowerBound & ~(pageSize - 1)
            return Array(stride(from: first, to: r.upperBound, by: Int(pageSize)))
        }
        var census = PageCensus()
        guard !pages.isEmpty, limit > 0 else { return census }
        let step = max(1, pages.count / limit)
        let sample = stride(from: 0, to: pages.count, by: step).prefix(limit).map { UnsafeMutableRawPointer(bitPattern: pages[$0])! }
        census.sampled = sample.count
        switch binder.locate(sample) {
        case .failure(let error): census.error = error
        case .success(let status):
            for s in status where s >= 0 {
                census.resident += 1
                census.byNode[Int(s), default: 0] += 1
            }
        }
        return census
    }
}
