/// One line of a trace: what one thread asked of malloc.
///
/// Blocks are named by slots, small integers the trace chooses: an op that returns a
/// block puts it in its slot, `free` and `realloc` take the block in theirs. A slot may
/// be empty (`free` of it is `free (NULL)`, `realloc` of it is `realloc (NULL, n)`),
/// and filling a full slot leaks its block, as a program may.
public struct TraceEvent: Sendable, Equatable {
    /// The op and its arguments.
    public enum Op: Sendable, Equatable {
        /// `slot = malloc (size)`.
        case malloc(size: Int, slot: Int)
        /// `slot = calloc (count, size)`.
        case calloc(count: Int, size: Int, slot: Int)
        /// `slot = realloc (slot, size)`; a failed realloc keeps the old block, and
        /// `realloc (p, 0)` frees it and empties the slot.
        case realloc(size: Int, slot: Int)
        /// `slot = memalign (alignment, size)`.
        case memalign(alignment: Int, size: Int, slot: Int)
        /// `free (slot)`; the slot is empty afterwards.
        case free(slot: Int)
        /// `malloc_trim (pad)`.
        case trim(pad: Int)
        /// The thread ends (format version 2): glibc's `tcache_thread_shutdown` empties its
        /// tcache, and its arena goes on the free list if no other thread uses it. The
        /// thread makes no op afterwards.
        case exit
    }

    /// The thread that makes the call: any number, the same for the same thread.
    public var thread: Int
    /// What it calls.
    public var op: Op

    /// `op` made by `thread`.
    public init(thread: Int, _ op: Op) {
        self.thread = thread
        self.op = op
    }

    /// The slot the op names, if any.
    public var slot: Int? {
        switch op {
        case .malloc(_, let slot), .calloc(_, _, let slot), .realloc(_, let slot), .memalign(_, _, let slot),
             .free(let slot):
            return slot
        case .trim, .exit:
            return nil
        }
    }
}

extension TraceEvent: CustomStringConvertible {
    /// The event as a line of a trace, without the newline.
    public var description: String {
        switch op {
        case .malloc(let size, let slot): return "\(thread) malloc \(size) \(slot)"
        case .calloc(let count, let size, let slot): return "\(thread) calloc \(count) \(size) \(slot)"
        case .realloc(let size, let slot): return "\(thread) realloc \(size) \(slot)"
        case .memalign(let alignment, let size, let slot): return "\(thread) memalign \(alignment) \(size) \(slot)"
        case .free(let slot): return "\(thread) free \(slot)"
        case .trim(let pad): return "\(thread) trim \(pad)"
        case .exit: return "\(thread) exit"
        }
    }
}
