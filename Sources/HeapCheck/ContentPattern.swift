import Randomness

/// The bytes a ledger writes into a live block and verifies later (G3).
///
/// A block's pattern is a 64-bit word mixed from its id (SplitMix64's finaliser);
/// byte `k` of the block holds byte `k % 8` of that word, so any stretch of the
/// block can be checked on its own. By default only the head and the tail are
/// written and checked (the first and last `min(8, size)` bytes): two stores, two
/// loads. `.whole` covers every byte, for runs that hunt stray writes.
public enum ContentPattern {
    /// The block's pattern word.
    @inlinable @inline(__always)
    public static func word(for id: UInt64) -> UInt64 {
        var z = id &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The byte at `offset` of block `id`.
    public static func byte(at offset: Int, id: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: word(for: id) >> UInt64(8 * (offset & 7)))
    }

    /// Writes block `id`'s pattern into the `requestSize` bytes at `mem`.
    @inlinable @inline(__always)
    public static func fill(_ mem: UnsafeMutableRawPointer, requestSize: Int, id: UInt64, coverage: PatternCoverage) {
        let pattern = word(for: id)
        if requestSize < 16 || coverage == .whole {
            fillEvery(mem, requestSize: requestSize, pattern: pattern)
            return
        }
        mem.storeBytes(of: pattern, as: UInt64.self)
        let tail = requestSize - 8
        mem.storeBytes(of: rotated(pattern, at: tail), toByteOffset: tail, as: UInt64.self)
    }

    /// True if the block still holds its head-and-tail pattern: the check a workload
    /// makes before every free, inlined; `firstMismatch` says where it differs.
    @inlinable @inline(__always)
    public static func headAndTailIntact(_ mem: UnsafeRawPointer, requestSize: Int, id: UInt64) -> Bool {
        guard requestSize >= 16 else { return firstMismatch(in: mem, requestSize: requestSize, id: id, coverage: .headAndTail) == nil }
        let pattern = word(for: id)
        let tail = requestSize - 8
        return mem.load(as: UInt64.self) == pattern && mem.loadUnaligned(fromByteOffset: tail, as: UInt64.self) == rotated(pattern, at: tail)
    }

    @usableFromInline
    static func fillEvery(_ mem: UnsafeMutableRawPointer, requestSize: Int, pattern: UInt64) {
        var offset = 0
        while offset + 8 <= requestSize {
            mem.storeBytes(of: pattern, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < requestSize {
            mem.storeBytes(of: UInt8(truncatingIfNeeded: pattern >> UInt64(8 * (offset & 7))), toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
    }

    /// The first offset where the block no longer holds its pattern, or nil.
    @inlinable
    public static func firstMismatch(in mem: UnsafeRawPointer, requestSize: Int, id: UInt64, coverage: PatternCoverage) -> Int? {
        let pattern = word(for: id)
        if requestSize < 16 || coverage == .whole {
            var offset = 0
            while offset + 8 <= requestSize {
                if mem.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != pattern { return offset + firstDifferentByte(mem, offset, pattern) }
                offset += 8
            }
            while offset < requestSize {
                if mem.load(fromByteOffset: offset, as: UInt8.self) != UInt8(truncatingIfNeeded: pattern >> UInt64(8 * (offset & 7))) { return offset }
                offset += 1
            }
            return nil
        }
        if mem.load(as: UInt64.self) != pattern { return firstDifferentByte(mem, 0, pattern) }
        let tail = requestSize - 8
        let expected = rotated(pattern, at: tail)
        if mem.loadUnaligned(fromByteOffset: tail, as: UInt64.self) != expected { return tail + firstDifferentByte(mem, tail, expected) }
        return nil
    }

    /// The 8 bytes the pattern holds from `offset` on, as one little-endian word.
    @inlinable @inline(__always)
    static func rotated(_ pattern: UInt64, at offset: Int) -> UInt64 {
        let shift = UInt64(8 * (offset & 7))
        return shift == 0 ? pattern : (pattern >> shift) | (pattern << (64 - shift))
    }

    @usableFromInline
    static func firstDifferentByte(_ mem: UnsafeRawPointer, _ offset: Int, _ expected: UInt64) -> Int {
        let difference = mem.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ expected
        return difference.trailingZeroBitCount / 8
    }
}

/// How much of a block its pattern covers.
public enum PatternCoverage: Sendable, Equatable {
    /// The first and last 8 bytes (the whole block when it is shorter than 16).
    case headAndTail
    /// Every byte.
    case whole
}
