import Randomness

/// Makes the traces of each `TraceKind`, the same for the same seed.
public enum TraceGenerator {
    /// A trace of `kind` made from `seed`, its size given by `count` (see `TraceKind`).
    public static func trace(_ kind: TraceKind, seed: UInt64, count: Int? = nil) -> Trace {
        let count = max(count ?? kind.defaultCount, 0)
        var rng = SplitMix64(seed: seed)
        var events: [TraceEvent] = []
        func add(_ op: TraceEvent.Op) { events.append(TraceEvent(thread: 0, op)) }
        switch kind {
        case .random:
            return RandomTrace(seed: seed, ops: count).make()
        case .threads:
            return ThreadedTrace(seed: seed, ops: count).make()
        case .simple:
            for n in [25, 100, 400, 1600] {
                for size in [16, 64, 1000] {
                    for _ in 0..<count {
                        for slot in 0..<n { add(.malloc(size: size, slot: slot)) }
                        for slot in 0..<n { add(.free(slot: slot)) }
                    }
                }
            }
        case .swissCheese:
            for slot in 0..<count { add(.malloc(size: 1000, slot: slot)) }
            for slot in rng.shuffled(Array(0..<count)).prefix(count * 9 / 10) { add(.free(slot: slot)) }
            add(.trim(pad: 0))
        case .million:
            events.reserveCapacity(2 * count)
            for _ in 0..<count {
                add(.malloc(size: 100, slot: 0))
                add(.free(slot: 0))
            }
        case .pool:
            for slot in 0..<1000 { add(.malloc(size: 1000, slot: slot)) }
            for _ in 0..<count {
                let slot = rng.below(1000)
                add(.free(slot: slot))
                add(.malloc(size: 1000, slot: slot))
            }
            for slot in rng.shuffled(Array(0..<1000)) { add(.free(slot: slot)) }
            add(.trim(pad: 0))
        case .threshold:
            events = thresholdEvents()
        }
        return Trace(comments: ["kind=\(kind.rawValue) seed=\(seed) count=\(count)"], events: events)
    }

    /// The named traces of the fidelity check, each of its kind's default size.
    public static func namedTraces(seed: UInt64) -> [(name: String, trace: Trace)] {
        TraceKind.allCases.filter { $0 != .random && $0 != .threads }.map { ($0.rawValue, trace($0, seed: seed)) }
    }

    private static func thresholdEvents() -> [TraceEvent] {
        var ops: [TraceEvent.Op] = [
            // Mapped; its free raises the threshold to its size, so it comes from the heap next.
            .malloc(size: 200_000, slot: 0), .free(slot: 0),
            .malloc(size: 200_000, slot: 1), .malloc(size: 100, slot: 2), .free(slot: 1), .free(slot: 2),
            // mremap, growing and shrinking; then the threshold follows the freed size.
            .malloc(size: 1_000_000, slot: 3), .realloc(size: 2_000_000, slot: 3), .realloc(size: 500_000, slot: 3),
            .free(slot: 3), .malloc(size: 1_000_000, slot: 4), .free(slot: 4), .malloc(size: 1_000_000, slot: 5),
            .memalign(alignment: 4096, size: 3_000_000, slot: 6), .calloc(count: 1, size: 5_000_000, slot: 7),
            .free(slot: 7), .calloc(count: 5, size: 1_000_000, slot: 7),
            // Above DEFAULT_MMAP_THRESHOLD_MAX a free no longer moves the threshold.
            .malloc(size: 40_000_000, slot: 8), .free(slot: 8), .malloc(size: 40_000_000, slot: 8),
            .realloc(size: 0, slot: 8), .free(slot: 5), .free(slot: 6), .trim(pad: 0),
        ]
        // Holes between live blocks: trim gives back their whole pages, then top's.
        for slot in 10..<60 { ops.append(.malloc(size: 10_000 + 512 * slot, slot: slot)) }
        for slot in stride(from: 10, to: 60, by: 2) { ops.append(.free(slot: slot)) }
        ops += [.trim(pad: 4096), .trim(pad: 0), .realloc(size: 100, slot: 11), .realloc(size: 300_000, slot: 13)]
        for slot in stride(from: 11, to: 60, by: 2) { ops.append(.free(slot: slot)) }
        ops += [.trim(pad: 1 << 20), .malloc(size: 100, slot: 2), .trim(pad: 0), .free(slot: 2), .trim(pad: 0)]
        // Requests no heap can meet (unless the kernel overcommits without limit, and then
        // on both sides alike) or that overflow: NULL; a failed realloc keeps its block.
        ops += [.malloc(size: 1 << 40, slot: 20), .calloc(count: 1 << 20, size: 1 << 20, slot: 21),
                .calloc(count: 1 << 32, size: 1 << 32, slot: 22), .malloc(size: Int.max, slot: 23),
                .memalign(alignment: 4096, size: 1 << 40, slot: 24), .malloc(size: 100, slot: 25),
                .realloc(size: 1 << 40, slot: 25), .realloc(size: 200, slot: 25)]
        ops += (20...25).map { .free(slot: $0) }
        ops += LimitRequests.sampler(slots: 60..<66)
        return ops.map { TraceEvent(thread: 0, $0) }
    }
}
