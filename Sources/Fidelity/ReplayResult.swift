/// What one op of a trace left to compare: where its chunk is, and where the heaps end.
///
/// A chunk of the main arena is counted from the main heap's first byte (glibc: the
/// program break before the first op; the model: `ArenaSet.mainHeap`). A chunk of
/// another arena is named by its arena (numbered in creation order, the main arena 0),
/// its heap within that arena (in creation order, the first 0) and its offset from
/// that heap's start. `head` is the chunk's size field with its flag bits; `brk` is the
/// main heap's size after the op. An mmapped chunk's address is the kernel's choice, so
/// only its size is compared. After the op, one `heap` result follows for each non-main
/// heap whose size changed (0: the heap was deleted), by arena then heap.
///
/// As text (glibc-replay's output, one line per result; numbers in hex):
/// `p OFFSET HEAD BRK`, `q ARENA HEAP OFFSET HEAD BRK`, `m HEAD BRK`, `n BRK` (null),
/// `f BRK` (free), `t 0|1 BRK` (trim), `e BRK` (thread exit), `h ARENA HEAP SIZE`.
public enum ReplayResult: Sendable, Equatable {
    /// A chunk of the heap.
    case chunk(offset: Int, head: Int, brk: Int)
    /// A chunk with a mapping of its own.
    case mmapped(head: Int, brk: Int)
    /// The call returned NULL.
    case null(brk: Int)
    /// `free`: nothing returned.
    case freed(brk: Int)
    /// `malloc_trim`: whether memory was released.
    case trimmed(released: Bool, brk: Int)
    /// A chunk of a non-main arena's heap.
    case arenaChunk(arena: Int, heap: Int, offset: Int, head: Int, brk: Int)
    /// The thread exited.
    case exited(brk: Int)
    /// Not an op's result: after the op before it, this non-main heap's new size.
    case heap(arena: Int, heap: Int, size: Int)

    /// Whether this is an op's own result (not a `heap` line that follows one).
    public var isOp: Bool {
        if case .heap = self { return false }
        return true
    }

    /// The result of an op that returned `mem` (or NULL) from a main heap starting at
    /// `base`; a chunk of another arena is placed by `ring`.
    public init(mem: UnsafeMutableRawPointer?, base: UnsafeMutableRawPointer?, brk: Int, ring: ArenaRing? = nil) {
        guard let mem else {
            self = .null(brk: brk)
            return
        }
        let head = mem.load(fromByteOffset: -8, as: Int.self)
        if head & 2 != 0 {
            self = .mmapped(head: head, brk: brk)
        } else if head & 4 != 0, let place = ring?.place(chunk: UInt(bitPattern: mem) - 16) {
            self = .arenaChunk(arena: place.arena, heap: place.heap, offset: place.offset, head: head, brk: brk)
        } else {
            self = .chunk(offset: Int(bitPattern: mem) - 16 - Int(bitPattern: base), head: head, brk: brk)
        }
    }

    /// Reads one line of glibc-replay's output (without its newline); nil if it is not one.
    public init?(line: UnsafeRawBufferPointer) {
        guard line.count >= 3, line[1] == 0x20 else { return nil }
        // Up to five hex numbers after the kind, each after one space.
        var numbers: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0), count = 0, i = 2
        while i <= line.count {
            var v: UInt = 0, digits = 0
            while i < line.count && line[i] != 0x20 {
                let c = line[i]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
                default: return nil
                }
                v = v << 4 | UInt(digit)
                digits += 1
                i += 1
            }
            guard digits > 0 && digits <= 16 && count < 5 else { return nil }
            switch count {
            case 0: numbers.0 = Int(bitPattern: v)
            case 1: numbers.1 = Int(bitPattern: v)
            case 2: numbers.2 = Int(bitPattern: v)
            case 3: numbers.3 = Int(bitPattern: v)
            default: numbers.4 = Int(bitPattern: v)
            }
            count += 1
            i += 1
        }
        switch (line[0], count) {
        case (UInt8(ascii: "p"), 3): self = .chunk(offset: numbers.0, head: numbers.1, brk: numbers.2)
        case (UInt8(ascii: "m"), 2): self = .mmapped(head: numbers.0, brk: numbers.1)
        case (UInt8(ascii: "n"), 1): self = .null(brk: numbers.0)
        case (UInt8(ascii: "f"), 1): self = .freed(brk: numbers.0)
        case (UInt8(ascii: "t"), 2) where numbers.0 <= 1: self = .trimmed(released: numbers.0 == 1, brk: numbers.1)
        case (UInt8(ascii: "q"), 5):
            self = .arenaChunk(arena: numbers.0, heap: numbers.1, offset: numbers.2, head: numbers.3, brk: numbers.4)
        case (UInt8(ascii: "e"), 1): self = .exited(brk: numbers.0)
        case (UInt8(ascii: "h"), 3): self = .heap(arena: numbers.0, heap: numbers.1, size: numbers.2)
        default: return nil
        }
    }
}

extension ReplayResult: CustomStringConvertible {
    /// The line glibc-replay prints for this result.
    public var description: String {
        func h(_ n: Int) -> String { String(UInt(bitPattern: n), radix: 16) }
        switch self {
        case .chunk(let offset, let head, let brk): return "p \(h(offset)) \(h(head)) \(h(brk))"
        case .mmapped(let head, let brk): return "m \(h(head)) \(h(brk))"
        case .null(let brk): return "n \(h(brk))"
        case .freed(let brk): return "f \(h(brk))"
        case .trimmed(let released, let brk): return "t \(released ? 1 : 0) \(h(brk))"
        case .arenaChunk(let arena, let heap, let offset, let head, let brk):
            return "q \(h(arena)) \(h(heap)) \(h(offset)) \(h(head)) \(h(brk))"
        case .exited(let brk): return "e \(h(brk))"
        case .heap(let arena, let heap, let size): return "h \(h(arena)) \(h(heap)) \(h(size))"
        }
    }
}
