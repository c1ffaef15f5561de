/// The bytes a workload writes into each live block and verifies later (G3).
///
/// Block `id`'s pattern is a run of 64-bit little-endian words: word `i` (bytes
/// `8i ..< 8i + 8`) is `seed &+ i &* step`, the seed mixed from the id by SplitMix64's
/// finaliser. Every byte depends on the block and on its offset, so bytes copied from
/// another block, or moved inside the block, do not match; and any stretch of the block
/// can be checked on its own. Filling and checking run 64 bytes a round, as 16-byte
/// pairs of words advanced by one add; the last 64 bytes of a longer block as eight
/// 8-byte words over some already done, so that what is left costs no branch.
///
/// `.whole` covers every byte of the request. `.headAndTail` only the first and last
/// `min(8, size)` bytes: the same bytes as `.whole` writes there, so a block filled whole
/// passes the head-and-tail check.
public enum ContentPattern {
    /// What word `i` adds to the seed per word: odd, so that no two words of a block meet.
    @usableFromInline static let step: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Block `id`'s first word, from which every other is a multiple of `step` away.
    @inlinable @inline(__always)
    public static func seed(for id: UInt64) -> UInt64 {
        var z = id &+ 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Word `index` (bytes `8 * index ..< 8 * index + 8`) of the pattern seeded `seed`.
    @inlinable @inline(__always)
    public static func word(_ index: Int, seed: UInt64) -> UInt64 { seed &+ UInt64(truncatingIfNeeded: index) &* step }

    /// The byte at `offset` of block `id`.
    public static func byte(at offset: Int, id: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: word(offset >> 3, seed: seed(for: id)) >> UInt64(8 * (offset & 7)))
    }

    /// The 8 bytes of the pattern from `offset` on, as one little-endian word. Without a
    /// branch: a shift by 64 (offset a multiple of 8) gives 0.
    @inlinable @inline(__always)
    static func bytes8(at offset: Int, seed: UInt64) -> UInt64 {
        let shift = UInt64(8 &* (offset & 7))
        return (word(offset >> 3, seed: seed) >> shift) | (word(offset >> 3 &+ 1, seed: seed) << (64 &- shift))
    }

    /// Writes block `id`'s pattern into the `requestSize` bytes at `mem`.
    @inlinable @inline(__always)
    public static func fill(_ mem: UnsafeMutableRawPointer, requestSize: Int, id: UInt64, coverage: PatternCoverage) {
        let seed = seed(for: id)
        if requestSize < 16 || coverage == .whole {
            fillWhole(mem, requestSize: requestSize, seed: seed)
            return
        }
        mem.storeBytes(of: seed, as: UInt64.self)
        let tail = requestSize &- 8
        mem.storeBytes(of: bytes8(at: tail, seed: seed), toByteOffset: tail, as: UInt64.self)
    }

    /// True if the block still holds its pattern where `coverage` says; `firstMismatch`
    /// says where it differs.
    @inlinable @inline(__always)
    public static func isIntact(_ mem: UnsafeRawPointer, requestSize: Int, id: UInt64, coverage: PatternCoverage) -> Bool {
        coverage == .whole ? wholeIntact(mem, requestSize: requestSize, seed: seed(for: id)) : headAndTailIntact(mem, requestSize: requestSize, id: id)
    }

    /// True if the block still holds its head-and-tail pattern: two loads, inlined.
    @inlinable @inline(__always)
    public static func headAndTailIntact(_ mem: UnsafeRawPointer, requestSize: Int, id: UInt64) -> Bool {
        let seed = seed(for: id)
        guard requestSize >= 16 else { return wholeIntact(mem, requestSize: requestSize, seed: seed) }
        let tail = requestSize &- 8
        return mem.loadUnaligned(as: UInt64.self) == seed && mem.loadUnaligned(fromByteOffset: tail, as: UInt64.self) == bytes8(at: tail, seed: seed)
    }

    @usableFromInline
    static func fillWhole(_ mem: UnsafeMutableRawPointer, requestSize n: Int, seed: UInt64) {
        guard n >= 8 else {
            for k in 0..<max(n, 0) { mem.storeBytes(of: UInt8(truncatingIfNeeded: seed >> UInt64(8 * k)), toByteOffset: k, as: UInt8.self) }
            return
        }
        let advance = SIMD2<UInt64>(repeating: step &* 2)
        var v = SIMD2<UInt64>(seed, seed &+ step)
        var offset = 0
        if n > 64 {
            while offset &+ 64 <= n {
                let v1 = v &+ advance, v2 = v1 &+ advance, v3 = v2 &+ advance
                mem.storeBytes(of: v, toByteOffset: offset, as: SIMD2<UInt64>.self)
                mem.storeBytes(of: v1, toByteOffset: offset &+ 16, as: SIMD2<UInt64>.self)
                mem.storeBytes(of: v2, toByteOffset: offset &+ 32, as: SIMD2<UInt64>.self)
                mem.storeBytes(of: v3, toByteOffset: offset &+ 48, as: SIMD2<UInt64>.self)
                v = v3 &+ advance
                offset &+= 64
            }
            // The last 64 bytes as eight words, over some already written: no branch on
            // what is left.
            let last = n &- 64
            var words = Tail(at: last, seed: seed)
            for k in 0..<8 { mem.storeBytes(of: words.next(), toByteOffset: last &+ 8 &* k, as: UInt64.self) }
            return
        }
        while offset &+ 16 <= n {
            mem.storeBytes(of: v, toByteOffset: offset, as: SIMD2<UInt64>.self)
            v &+= advance
            offset &+= 16
        }
        if offset &+ 8 <= n {
            mem.storeBytes(of: v[0], toByteOffset: offset, as: UInt64.self)
            offset &+= 8
        }
        if offset < n { mem.storeBytes(of: bytes8(at: n &- 8, seed: seed), toByteOffset: n &- 8, as: UInt64.self) }
    }

    @usableFromInline
    static func wholeIntact(_ mem: UnsafeRawPointer, requestSize n: Int, seed: UInt64) -> Bool {
        guard n >= 8 else {
            for k in 0..<max(n, 0) where mem.load(fromByteOffset: k, as: UInt8.self) != UInt8(truncatingIfNeeded: seed >> UInt64(8 * k)) { return false }
            return true
        }
        let advance = SIMD2<UInt64>(repeating: step &* 2)
        var v = SIMD2<UInt64>(seed, seed &+ step)
        var difference = SIMD2<UInt64>(repeating: 0)
        var offset = 0
        if n > 64 {
            while offset &+ 64 <= n {
                let v1 = v &+ advance, v2 = v1 &+ advance, v3 = v2 &+ advance
                difference |= mem.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt64>.self) ^ v
                difference |= mem.loadUnaligned(fromByteOffset: offset &+ 16, as: SIMD2<UInt64>.self) ^ v1
                difference |= mem.loadUnaligned(fromByteOffset: offset &+ 32, as: SIMD2<UInt64>.self) ^ v2
                difference |= mem.loadUnaligned(fromByteOffset: offset &+ 48, as: SIMD2<UInt64>.self) ^ v3
                v = v3 &+ advance
                offset &+= 64
            }
            var left = difference[0] | difference[1]
            let last = n &- 64
            var words = Tail(at: last, seed: seed)
            for k in 0..<8 { left |= mem.loadUnaligned(fromByteOffset: last &+ 8 &* k, as: UInt64.self) ^ words.next() }
            return left == 0
        }
        while offset &+ 16 <= n {
            difference |= mem.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt64>.self) ^ v
            v &+= advance
            offset &+= 16
        }
        var left = difference[0] | difference[1]
        if offset &+ 8 <= n {
            left |= mem.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ v[0]
            offset &+= 8
        }
        if offset < n { left |= mem.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) ^ bytes8(at: n &- 8, seed: seed) }
        return left == 0
    }

    /// True if the `requestSize` bytes at `mem` (at most `windowSize`) still hold block
    /// `seed`'s pattern, checked with no branch on the size: the `windowSize` bytes from
    /// `mem` on are read whatever the size, and those past the request masked off. The
    /// caller vouches that they are readable.
    @inline(__always)
    static func windowIntact(_ mem: UnsafeRawPointer, requestSize: Int, seed: UInt64, masks: UnsafePointer<SIMD8<UInt64>>) -> Bool {
        let expected = SIMD8<UInt64>(repeating: seed) &+ SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7) &* step
        let difference = (mem.loadUnaligned(as: SIMD8<UInt64>.self) ^ expected) & masks[requestSize]
        let half = difference.lowHalf | difference.highHalf
        return (half.lowHalf | half.highHalf) == .zero
    }

    /// The bytes `windowIntact` reads.
    static let windowSize = 64

    /// For each request size 0...64, the bytes of a window it covers, set to all ones.
    /// Written once, then only read.
    nonisolated(unsafe) static let windowMasks: UnsafePointer<SIMD8<UInt64>> = {
        let masks = UnsafeMutablePointer<SIMD8<UInt64>>.allocate(capacity: windowSize + 1)
        for size in 0...windowSize {
            var mask = SIMD8<UInt64>.zero
            for word in 0..<8 {
                let bits = min(max(size - 8 * word, 0), 8) * 8
                mask[word] = bits == 64 ? ~0 : (1 << UInt64(bits)) &- 1
            }
            masks[size] = mask
        }
        return UnsafePointer(masks)
    }()

    /// The pattern's 8-byte runs from an offset on, 8 bytes a step: one add a word.
    struct Tail {
        var word: UInt64
        let shift: UInt64

        @inline(__always)
        init(at offset: Int, seed: UInt64) {
            word = ContentPattern.word(offset >> 3, seed: seed)
            shift = UInt64(8 &* (offset & 7))
        }

        @inline(__always)
        mutating func next() -> UInt64 {
            let following = word &+ ContentPattern.step
            defer { word = following }
            return (word >> shift) | (following << (64 &- shift))
        }
    }

    /// The first offset where the block no longer holds its pattern (where `coverage`
    /// says), or nil. Byte by byte: for reports, not for hot loops.
    public static func firstMismatch(in mem: UnsafeRawPointer, requestSize: Int, id: UInt64, coverage: PatternCoverage) -> Int? {
        let n = max(requestSize, 0)
        let offsets: [Range<Int>] = coverage == .whole || n < 16 ? [0..<n] : [0..<8, n - 8..<n]
        for range in offsets {
            for offset in range where mem.load(fromByteOffset: offset, as: UInt8.self) != byte(at: offset, id: id) { return offset }
        }
        return nil
    }
}

/// How much of a block its pattern covers.
public enum PatternCoverage: Sendable, Equatable {
    /// The first and last 8 bytes (the whole block when it is shorter than 16).
    case headAndTail
    /// Every byte.
    case whole
}
