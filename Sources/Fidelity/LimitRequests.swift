import Randomness

/// Requests at the limits of glibc's size_t arithmetic, for the fidelity traces: sizes
/// and alignments no memory can meet and calloc products past PTRDIFF_MAX, which glibc
/// answers with NULL (after sorting its unsorted bin, for a request that gets that far),
/// and the sizes just past the mmap threshold's ceiling and a heap's maximum, which it
/// serves. A trace's numbers stop at 2^63 - 1, so the sizes of 2^63 and more (negative
/// Ints in the model's API) are the unit tests' business.
enum LimitRequests {
    private static let ptrdiffMax = Int.max
    /// glibc's default `top_pad`, which sysmalloc adds to the main arena's request.
    private static let topPad = 128 * 1024

    /// A size no heap or mapping can hold (a request that reaches the kernel asks for
    /// more than the 47-bit address space): near PTRDIFF_MAX, where `request2size`
    /// pads past 2^63 and sysmalloc's sums cross it, or anywhere from 2^48 up.
    static func refusedSize(_ rng: inout SplitMix64) -> Int {
        switch rng.below(4) {
        case 0: return ptrdiffMax - rng.within(0...64)
        case 1: return ptrdiffMax - rng.within(4000...4200)
        case 2: return ptrdiffMax - topPad - rng.within(0...4200)
        default:
            let k = rng.within(48...62)
            return (1 << k) + rng.within(0...4096)
        }
    }

    /// An alignment memalign accepts and no request can meet: a power of two from 2^48
    /// to 2^62, or a number it rounds up to one (up to 2^62, or to 2^63 past it).
    static func refusedAlignment(_ rng: inout SplitMix64) -> Int {
        let k = rng.within(48...62)
        switch rng.below(3) {
        case 0: return 1 << k
        case 1: return (1 << (k - 1)) + 1 + rng.below((1 << (k - 1)) - 1)
        default: return ptrdiffMax - rng.below(1 << 62)
        }
    }

    /// calloc's count and size whose exact product is above PTRDIFF_MAX (just above it,
    /// exactly 2^64, which wraps to 0 in size_t, or far beyond).
    static func overflowingProduct(_ rng: inout SplitMix64) -> (count: Int, size: Int) {
        switch rng.below(4) {
        case 0:
            let k = rng.within(1...62)
            return rng.below(2) == 0 ? (1 << k, 1 << (63 - k)) : (1 << (63 - k), 1 << k)
        case 1:
            let count = rng.within(2...1 << 20)
            return (count, ptrdiffMax / count + 1)
        case 2: return (1 << 32, 1 << 32)
        default: return (ptrdiffMax - rng.below(1 << 32), rng.within(2...ptrdiffMax))
        }
    }

    /// A size just past DEFAULT_MMAP_THRESHOLD_MAX or HEAP_MAX_SIZE: served by a mapping.
    static func servedSize(_ rng: inout SplitMix64) -> Int {
        let limit = rng.below(2) == 0 ? 32 << 20 : 64 << 20
        return limit + rng.within(-64...64)
    }

    /// One of each kind of request at the limits, in order, on `slots` (at least six,
    /// all empty): only the zero-sized callocs and the mapped sizes fill theirs, and all
    /// are freed at the end.
    static func sampler(slots: Range<Int>) -> [TraceEvent.Op] {
        precondition(slots.count >= 6, "the limit sampler needs six slots")
        let s = Array(slots.prefix(6))
        var ops: [TraceEvent.Op] = []
        for k in [0, 1, 8, 15, 16, 23, 24, 31, 32, 39, 40, 47, 55, 4095, 4103, 4104, 4119, 4120] {
            ops.append(.malloc(size: ptrdiffMax - k, slot: s[0]))
        }
        for k in [0, 23, 32, 4096, 4120] { ops.append(.malloc(size: ptrdiffMax - topPad - k, slot: s[0])) }
        for k in [48, 56, 62] { ops.append(.malloc(size: 1 << k, slot: s[0])) }
        ops += [.malloc(size: 100, slot: s[1]), .realloc(size: ptrdiffMax, slot: s[1]), .realloc(size: 1 << 62, slot: s[1]),
                .malloc(size: 300_000, slot: s[2]), .realloc(size: ptrdiffMax - 20, slot: s[2]), .realloc(size: 1 << 50, slot: s[2])]
        for (count, size) in [(1 << 32, 1 << 32), (1 << 62, 2), (2, 1 << 62), (3, ptrdiffMax / 3 + 1), (ptrdiffMax, ptrdiffMax),
                              (1, ptrdiffMax), (ptrdiffMax, 1), (ptrdiffMax / 3, 3)] {
            ops.append(.calloc(count: count, size: size, slot: s[0]))
        }
        ops += [.calloc(count: ptrdiffMax, size: 0, slot: s[3]), .calloc(count: 0, size: ptrdiffMax, slot: s[4])]
        for alignment in [1 << 48, 1 << 62, (1 << 61) + 1, (1 << 62) - 1, (1 << 62) + 1, ptrdiffMax] {
            ops += [.memalign(alignment: alignment, size: 100, slot: s[0]), .memalign(alignment: alignment, size: 1 << 20, slot: s[0])]
        }
        for size in [ptrdiffMax, ptrdiffMax - 40, ptrdiffMax - (1 << 62) - 48, 1 << 48] {
            ops += [.memalign(alignment: 64, size: size, slot: s[0]), .memalign(alignment: 1 << 62, size: size, slot: s[0])]
        }
        ops += [.trim(pad: ptrdiffMax), .trim(pad: 1 << 62)]
        ops += [.malloc(size: (32 << 20) + 1, slot: s[5]), .free(slot: s[5]), .malloc(size: (64 << 20) + 1, slot: s[5])]
        ops += s.map { .free(slot: $0) }
        return ops
    }
}
