import Targets

/// A single-threaded op stream that `arenastress bench` runs against every target.
///
/// Every workload counts its work in malloc+free pairs: `ops` is the number of pairs,
/// and a timing is nanoseconds per pair.
public enum Workload: Hashable, Sendable {
    /// `malloc(size)` then `free`, over and over: the fast path of one size class.
    case pair(size: Int)
    /// `live` mallocs, then the same blocks freed in allocation order, in rounds
    /// (glibc's benchtests/bench-malloc-simple).
    case simple(live: Int, size: Int)
    /// Free the block in a random slot and put a new one of a random size there
    /// (glibc's benchtests/bench-malloc-thread with one thread).
    case replace

    /// Every workload, in the order the bench runs and reports them.
    public static let all: [Workload] =
        [.pair(size: 100)]
        + [16, 64, 1000].flatMap { size in
            [25, 100, 400, 1600].map { Workload.simple(live: $0, size: size) }
        }
        + [.replace]

    /// The workload called `name` on the command line, if there is one.
    public init?(name: String) {
        guard let found = Self.all.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    /// The name used on the command line and in reports.
    public var name: String {
        switch self {
        case .pair(let size): "pair-\(size)"
        case .simple(let live, let size): "simple-\(live)-s\(size)"
        case .replace: "replace-1t"
        }
    }

    /// Threads the workload runs on.
    var threads: Int { 1 }

    /// Pairs in one repetition unless `--ops` says otherwise.
    public var defaultOps: Int {
        switch self {
        case .pair, .simple: 10_000_000
        case .replace: 5_000_000
        }
    }

    /// The pairs actually run when `requested` are asked for: simple rounds are whole,
    /// so at least one round runs unless zero pairs are asked for.
    func pairs(requested: Int) -> Int {
        guard case .simple(let live, _) = self, requested > 0 else { return requested }
        return max(1, requested / live) * live
    }

    /// Runs `pairs(requested: ops)` pairs through `handle`, a thread's handle on a `T`;
    /// returns the checksum of every pointer allocated.
    func run<T: StressTarget>(_: T.Type, _ handle: T.Handle, ops: Int, input: WorkloadInput) -> UInt64 {
        switch self {
        case .pair(let size):
            runPair(T.self, handle, size: size, ops: ops)
        case .simple(let live, let size):
            runSimple(T.self, handle, live: live, size: size, rounds: pairs(requested: ops) / live, slots: input.slots)
        case .replace:
            runReplace(T.self, handle, ops: ops, input: input)
        }
    }
}

// The run functions stay out of line so a profile shows each workload by name, and
// generic so each is specialised per target.

@inline(never)
func runPair<T: StressTarget>(_: T.Type, _ handle: T.Handle, size: Int, ops: Int) -> UInt64 {
    var checksum: UInt64 = 0
    for _ in 0..<ops {
        let p = T.malloc(handle, size)
        checksum &+= UInt64(UInt(bitPattern: p))
        T.free(handle, p)
    }
    return checksum
}

@inline(never)
func runSimple<T: StressTarget>(
    _: T.Type, _ handle: T.Handle, live: Int, size: Int, rounds: Int,
    slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
) -> UInt64 {
    var checksum: UInt64 = 0
    for _ in 0..<rounds {
        for i in 0..<live {
            let p = T.malloc(handle, size)
            checksum &+= UInt64(UInt(bitPattern: p))
            slots[i] = p
        }
        for i in 0..<live {
            T.free(handle, slots[i])
        }
    }
    return checksum
}

@inline(never)
func runReplace<T: StressTarget>(_: T.Type, _ handle: T.Handle, ops: Int, input: WorkloadInput) -> UInt64 {
    let slots = input.slots
    let sizes = input.sizes
    let slotIndices = input.slotIndices
    var checksum: UInt64 = 0
    var sizeCursor = 0
    var slotCursor = 0
    for _ in 0..<ops {
        let slot = Int(slotIndices[slotCursor])
        T.free(handle, slots[slot])
        let p = T.malloc(handle, Int(sizes[sizeCursor]))
        checksum &+= UInt64(UInt(bitPattern: p))
        slots[slot] = p
        sizeCursor = (sizeCursor + 1) & (WorkloadInput.sizeCount - 1)
        slotCursor += 1
        if slotCursor == WorkloadInput.slotIndexCount { slotCursor = 0 }
    }
    for slot in 0..<WorkloadInput.replaceSlots {
        T.free(handle, slots[slot])
        slots[slot] = nil
    }
    return checksum
}
