/// A ring buffer of a worker's last operations, in raw memory: recording one is three
/// stores, so it can stay on in every run.
public final class OpLog: @unchecked Sendable {
    /// One operation: what, on which slot, how many bytes, and the block's address.
    public struct Entry: Sendable, Equatable {
        public let sequence: Int
        public let kind: Kind
        public let slot: Int
        public let size: Int
        public let address: UInt
    }

    /// The operations a worker makes.
    public enum Kind: Int, Sendable, CaseIterable, Codable {
        case malloc = 1, free, calloc, realloc, memalign, remoteFree, trim, inject
    }

    // Each entry: the slot shifted left by 8 with the kind in the low byte, the size,
    // the address.
    @usableFromInline let entries: UnsafeMutablePointer<(Int, Int, UInt)>
    // The count lives in raw memory, not a stored var: no exclusivity check per record.
    @usableFromInline let counter: UnsafeMutablePointer<Int>
    var next: Int { counter.pointee }

    /// How many of its last operations a log keeps: a constant, so that the ring's
    /// index is one `and` with an immediate.
    @inlinable public static var capacity: Int { 256 }
    @inlinable static var mask: Int { capacity - 1 }

    public init() {
        entries = .allocate(capacity: Self.capacity)
        entries.initialize(repeating: (0, 0, 0), count: Self.capacity)
        counter = .allocate(capacity: 1)
        counter.initialize(to: 0)
    }

    deinit {
        entries.deallocate()
        counter.deallocate()
    }

    /// Records an operation.
    @inlinable @inline(__always)
    public func record(_ kind: Kind, slot: Int, size: Int, address: UnsafeMutableRawPointer?) {
        let n = counter.pointee
        entries[n & Self.mask] = (slot &<< 8 | kind.rawValue, size, UInt(bitPattern: address))
        counter.pointee = n &+ 1
    }

    /// A writer for one loop of a worker: the log's pointers and count in locals (in
    /// registers), so that recording is three stores; `commit` stores the count back.
    @inlinable
    public func writer() -> Writer { Writer(entries: entries, count: counter.pointee) }

    /// Ends what `writer` began: the operations it recorded become part of the log.
    @inlinable
    public func commit(_ writer: Writer) { counter.pointee = writer.count }

    /// Records into an `OpLog` from one thread's loop; see `OpLog.writer()`.
    public struct Writer {
        @usableFromInline let entries: UnsafeMutablePointer<(Int, Int, UInt)>
        @usableFromInline var count: Int

        @inlinable init(entries: UnsafeMutablePointer<(Int, Int, UInt)>, count: Int) {
            self.entries = entries
            self.count = count
        }

        /// Records an operation.
        @inlinable @inline(__always)
        public mutating func record(_ kind: Kind, slot: Int, size: Int, address: UnsafeMutableRawPointer?) {
            entries[count & OpLog.mask] = (slot &<< 8 | kind.rawValue, size, UInt(bitPattern: address))
            count &+= 1
        }
    }

    /// The recorded operations, oldest first.
    public var recent: [Entry] {
        let count = min(next, Self.capacity)
        return (next - count..<next).compactMap { seq in
            let e = entries[seq & Self.mask]
            return Kind(rawValue: e.0 & 0xFF).map { Entry(sequence: seq, kind: $0, slot: e.0 >> 8, size: e.1, address: e.2) }
        }
    }

    /// The recorded operations whose block contains `address` (within `size` bytes of its start).
    public func touching(_ address: UInt) -> [Entry] {
        recent.filter { $0.address != 0 && address >= $0.address && address < $0.address + UInt(max($0.size, 1)) + 16 }
    }
}
