import ArenaModel

/// One call a worker made, as its operation log keeps it.
public struct LoggedOperation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case malloc, calloc, realloc, memalign, free, trim
        /// A deliberate corruption (HeapCheck's `Corruptor`).
        case injection
    }
    /// Orders operations across logs when the workers draw it from one counter.
    public let sequence: UInt64
    public let thread: Int
    public let kind: Kind
    /// The pointer passed in (free, realloc, injection), or 0.
    public let pointer: UInt
    /// The bytes asked for (or written, for an injection).
    public let size: Int
    /// The pointer returned, or 0.
    public let result: UInt

    public var description: String {
        let argument = switch kind {
        case .free: "0x\(Hex.string(pointer))"
        case .realloc, .injection: "0x\(Hex.string(pointer)), \(size)"
        default: "\(size)"
        }
        let returned = result != 0 ? " = 0x\(Hex.string(result))" : ""
        return "#\(sequence) thread \(thread): \(kind.rawValue)(\(argument))\(returned)"
    }

    /// True if the chunks of the blocks this operation passed or returned overlap `range`.
    func touches(_ range: Range<UInt>) -> Bool {
        // glibc's size_t: a request within 23 bytes of PTRDIFF_MAX pads past it.
        let span = UInt(bitPattern: Layout.requestToSize(max(size, 0)))
        for p in [pointer, result] where p != 0 {
            let start = p &- 16
            if start < range.upperBound && range.lowerBound < start &+ span { return true }
        }
        return false
    }
}

/// The last calls of one worker, in a ring of fixed capacity: what a violation shows
/// as "the last operations that touched that chunk".
public struct OperationLog: Sendable {
    public let thread: Int
    public let capacity: Int
    private var ring: [LoggedOperation] = []
    private var next = 0
    private var counter: UInt64 = 0

    public init(thread: Int, capacity: Int = 4096) {
        self.thread = thread
        self.capacity = max(capacity, 1)
        ring.reserveCapacity(self.capacity)
    }

    /// Records a call; `sequence` defaults to this log's own count.
    public mutating func record(_ kind: LoggedOperation.Kind, pointer: UnsafeMutableRawPointer? = nil, size: Int = 0,
                                result: UnsafeMutableRawPointer? = nil, sequence: UInt64? = nil) {
        counter += 1
        let entry = LoggedOperation(sequence: sequence ?? counter, thread: thread, kind: kind, pointer: UInt(bitPattern: pointer),
                                    size: size, result: UInt(bitPattern: result))
        if ring.count < capacity {
            ring.append(entry)
        } else {
            ring[next] = entry
        }
        next = (next + 1) % capacity
    }

    /// The kept operations, oldest first.
    public var operations: [LoggedOperation] {
        ring.count < capacity ? ring : Array(ring[next...] + ring[..<next])
    }

    /// The last `limit` operations of `logs` that touched `range`, oldest first.
    static func lastTouching(_ range: Range<UInt>, in logs: [OperationLog], limit: Int) -> [LoggedOperation] {
        let touching = logs.flatMap { $0.operations.filter { $0.touches(range) } }
        return Array(touching.sorted { $0.sequence < $1.sequence }.suffix(limit))
    }
}
