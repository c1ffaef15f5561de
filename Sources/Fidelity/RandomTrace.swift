import Randomness

/// A seeded random mix of malloc, free (in random order), realloc, calloc, memalign
/// and malloc_trim on one thread, with a few requests at the limits of size_t
/// arithmetic among them (`LimitRequests`).
///
/// Each seed draws a profile first, so that the traces differ in kind and not only
/// in detail: how many slots, which size ranges (fast, small, large, mmapped), a few
/// fixed sizes or any, and whether the heap fills and drains in waves.
struct RandomTrace {
    private var rng: SplitMix64
    private let seed: UInt64
    private let ops: Int
    private let slotCount: Int
    /// Weights of the size ranges, in the order of `ranges`.
    private let rangeWeights: [Int]
    /// When not empty, the only sizes drawn (the tcache, fastbins and small bins fill up).
    private let fixedSizes: [Int]
    private let waves: Bool

    private static let ranges: [ClosedRange<Int>] = [0...120, 121...1032, 1033...8192, 8193...131_072, 131_073...3_000_000]
    // Up to the page size: above it, where glibc puts an aligned chunk depends on where
    // the kernel put the heap or the mapping (ASLR), and differs between two runs of
    // glibc itself.
    private static let alignments = [8, 16, 32, 64, 128, 256, 1024, 4096, 24, 48, 100, 3000]
    private static let pads = [0, 0, 4096, 65536, 1 << 20]

    // The live and empty slots, each a list with a position index, so that a random
    // one is picked and moved in constant time.
    private var live: [Int] = [], empty: [Int] = [], position: [Int] = [], requested: [Int] = []
    private var events: [TraceEvent] = []

    init(seed: UInt64, ops: Int) {
        var rng = SplitMix64(seed: seed)
        self.seed = seed
        self.ops = ops
        slotCount = [16, 64, 256, 1024][rng.below(4)]
        switch rng.below(4) {
        case 0: rangeWeights = [30, 35, 20, 12, 3]
        case 1: rangeWeights = [80, 15, 5, 0, 0]
        case 2: rangeWeights = [0, 10, 45, 40, 5]
        default: rangeWeights = [40, 40, 15, 5, 0]
        }
        var sizes: [Int] = []
        if rng.below(3) == 0 {
            for _ in 0..<rng.within(1...6) { sizes.append(rng.within(RandomTrace.ranges[rng.pick([40, 40, 20, 0, 0])])) }
        }
        fixedSizes = sizes
        waves = rng.below(2) == 0
        self.rng = rng
        empty = Array(0..<slotCount)
        position = Array(0..<slotCount)
        requested = Array(repeating: 0, count: slotCount)
    }

    consuming func make() -> Trace {
        events.reserveCapacity(ops)
        // In waves, the heap fills for a while, then drains, then neither.
        var mallocWeight = 380, freeWeight = 380
        while events.count < ops {
            if waves && events.count % 500 == 0 {
                (mallocWeight, freeWeight) = [(380, 380), (600, 160), (160, 600)][rng.below(3)]
            }
            switch rng.pick([mallocWeight, freeWeight, 100, 60, 77, 3, 5]) {
            case 0: fill(.malloc(size: size(), slot: emptySlot()))
            case 1: free()
            case 2: realloc()
            case 3:
                let count = rng.within(1...16)
                fill(.calloc(count: count, size: size() / count, slot: emptySlot()))
            case 4:
                let alignment = RandomTrace.alignments[rng.below(RandomTrace.alignments.count)]
                fill(.memalign(alignment: alignment, size: size(), slot: emptySlot()))
            case 5:
                events.append(TraceEvent(thread: 0, .trim(pad: RandomTrace.pads[rng.below(RandomTrace.pads.count)])))
            default:
                limitRequest()
            }
        }
        let profile = "slots=\(slotCount) ranges=\(rangeWeights) fixed=\(fixedSizes) waves=\(waves)"
        // Freeing to make room may have added one op too many.
        return Trace(comments: ["kind=random seed=\(seed) count=\(ops) \(profile)"], events: Array(events.prefix(ops)))
    }

    private mutating func size() -> Int {
        if !fixedSizes.isEmpty { return fixedSizes[rng.below(fixedSizes.count)] }
        return rng.within(RandomTrace.ranges[rng.pick(rangeWeights)])
    }

    /// An empty slot, or (all full) a live one freed first.
    private mutating func emptySlot() -> Int {
        if empty.isEmpty { free() }
        return empty[rng.below(empty.count)]
    }

    /// Records an op that fills its slot.
    private mutating func fill(_ op: TraceEvent.Op) {
        let event = TraceEvent(thread: 0, op)
        let slot = event.slot!
        switch op {
        case .malloc(let size, _), .memalign(_, let size, _), .realloc(let size, _): requested[slot] = size
        case .calloc(let count, let size, _): requested[slot] = count * size
        default: break
        }
        RandomTrace.move(slot, from: &empty, to: &live, &position)
        events.append(event)
    }

    /// Frees a random live block, or does nothing if there is none.
    private mutating func free() {
        guard !live.isEmpty else { return }
        let slot = live[rng.below(live.count)]
        RandomTrace.move(slot, from: &live, to: &empty, &position)
        events.append(TraceEvent(thread: 0, .free(slot: slot)))
    }

    /// A request at the limits: most fail and leave their slot as it was (a failed
    /// realloc keeps its block); a zero-sized calloc of a huge count, or a size just past
    /// the mapping limits, fills its slot.
    private mutating func limitRequest() {
        let op: TraceEvent.Op
        switch rng.below(7) {
        case 0: op = .malloc(size: LimitRequests.refusedSize(&rng), slot: emptySlot())
        case 1:
            let slot = live.isEmpty ? emptySlot() : live[rng.below(live.count)]
            op = .realloc(size: LimitRequests.refusedSize(&rng), slot: slot)
        case 2:
            let (count, size) = LimitRequests.overflowingProduct(&rng)
            op = .calloc(count: count, size: size, slot: emptySlot())
        case 3:
            let huge = rng.below(2) == 0 ? LimitRequests.refusedSize(&rng) : Int.max
            return fill(rng.below(2) == 0 ? .calloc(count: huge, size: 0, slot: emptySlot()) : .calloc(count: 0, size: huge, slot: emptySlot()))
        case 4:
            // A refused alignment with an ordinary size, or an ordinary one with a refused size.
            if rng.below(2) == 0 {
                op = .memalign(alignment: LimitRequests.refusedAlignment(&rng), size: size(), slot: emptySlot())
            } else {
                let alignment = RandomTrace.alignments[rng.below(RandomTrace.alignments.count)]
                op = .memalign(alignment: alignment, size: LimitRequests.refusedSize(&rng), slot: emptySlot())
            }
        case 5: op = .trim(pad: LimitRequests.refusedSize(&rng))
        default: return fill(.malloc(size: LimitRequests.servedSize(&rng), slot: emptySlot()))
        }
        events.append(TraceEvent(thread: 0, op))
    }

    /// Resizes a live block (sometimes to 0, which frees it), or reallocs NULL.
    private mutating func realloc() {
        guard !live.isEmpty, rng.below(10) != 0 else {
            return fill(.realloc(size: size(), slot: emptySlot()))
        }
        let slot = live[rng.below(live.count)]
        let old = requested[slot]
        let size: Int
        switch rng.below(20) {
        case 0: size = 0
        case 1...9: size = max(1, old + rng.within(-(old / 2)...(old / 2)))
        default: size = self.size()
        }
        if size == 0 { RandomTrace.move(slot, from: &live, to: &empty, &position) }
        requested[slot] = size
        events.append(TraceEvent(thread: 0, .realloc(size: size, slot: slot)))
    }

    private static func move(_ slot: Int, from source: inout [Int], to destination: inout [Int], _ position: inout [Int]) {
        let i = position[slot]
        let last = source.removeLast()
        if last != slot {
            source[i] = last
            position[last] = i
        }
        position[slot] = destination.count
        destination.append(slot)
    }
}
