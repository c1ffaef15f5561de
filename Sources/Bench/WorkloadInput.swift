import Randomness

/// What a workload needs besides the allocator, made before the clock starts and shared
/// by every target and repetition, so both targets see the same op stream.
final class WorkloadInput {
    /// Slots in replace-1t's working set (bench-malloc-thread's WORKING_SET_SIZE).
    static let replaceSlots = 1024
    /// Entries in the table of block sizes; a power of two, so the cursor wraps by a mask.
    static let sizeCount = 4096
    // A prime length: the slot and size cursors come back in step only after
    // 4096 x 4093 pairs, far more than a run makes, so no slot sees a fixed size cycle.
    /// Entries in the table of slot indices.
    static let slotIndexCount = 4093
    /// Smallest and largest block of replace-1t (bench-malloc-thread's bounds).
    static let replaceSizes = 4...32768
    // bench-malloc-thread seeds rand() with 88.
    private static let seed: UInt64 = 88

    /// Pointers a workload keeps live between its mallocs and frees; all nil between runs.
    let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// replace-1t's block sizes, inverse-square distributed; empty for other workloads.
    let sizes: UnsafeMutablePointer<UInt32>
    /// replace-1t's slots to replace, uniform; empty for other workloads.
    let slotIndices: UnsafeMutablePointer<UInt16>
    private let slotCount: Int

    /// The input of `workload`.
    init(for workload: Workload) {
        switch workload {
        case .pair: slotCount = 0
        case .simple(let live, _): slotCount = live
        case .replace: slotCount = Self.replaceSlots
        }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: nil, count: slotCount)

        let isReplace = workload == .replace
        sizes = .allocate(capacity: isReplace ? Self.sizeCount : 0)
        slotIndices = .allocate(capacity: isReplace ? Self.slotIndexCount : 0)
        guard isReplace else { return }
        var random = SplitMix64(seed: Self.seed)
        for i in 0..<Self.sizeCount {
            sizes[i] = UInt32(Self.inverseSquareSize(random.nextUnit()))
        }
        for i in 0..<Self.slotIndexCount {
            slotIndices[i] = UInt16(random.next() % UInt64(Self.replaceSlots))
        }
    }

    deinit {
        slots.deinitialize(count: slotCount)
        slots.deallocate()
        sizes.deallocate()
        slotIndices.deallocate()
    }

    /// bench-malloc-thread's get_block_size: the inverse of the CDF of a density
    /// proportional to 1/size² on `replaceSizes`, at `r` in [0, 1].
    static func inverseSquareSize(_ r: Double) -> Int {
        // glibc writes pow(x, exponent + 1) with exponent -2: that is 1/x.
        let lo = 1 / Double(replaceSizes.lowerBound)
        let hi = 1 / Double(replaceSizes.upperBound)
        let size = Int(1 / ((hi - lo) * r + lo))
        return min(max(size, replaceSizes.lowerBound), replaceSizes.upperBound)
    }
}
