import ArenaModel

/// What `glibc-replay TRACE --measure` measured: a trace replayed on a real allocator
/// (glibc's, or a peer preloaded into the child), with no per-op introspection.
public struct MeasuredReplay: Sendable, Equatable {
    /// Ops replayed (every line of the trace, `exit` included).
    public var ops: Int
    /// Wall time of the replay, in nanoseconds: the ops of threads other than the first
    /// include the hand-off to their pthread (a futex each way), as glibc-replay runs
    /// one op at a time in trace order.
    public var nanoseconds: Int
    /// The child's resident bytes before the first op, at most (VmHWM: the whole
    /// process, its code and runtime included), and after the last op.
    public var residentAtStart: Int, peakResident: Int, finalResident: Int
    /// glibc's arenas, and mallinfo2's held (arena + hblkhd) and in-use bytes at the end:
    /// glibc's figures, not a peer's.
    public var glibcArenas: Int, glibcHeld: Int, glibcInUse: Int
    /// Whether the ops went to an allocator other than glibc's (a preload that the
    /// dynamic linker could not load leaves them on glibc's).
    public var otherAllocator: Bool

    /// The figures of glibc-replay's `measure ...` line, nil if `line` is not one.
    public init?(line: String) {
        let fields = line.split(separator: " ")
        guard fields.count == 10, fields[0] == "measure" else { return nil }
        let n = fields.dropFirst().compactMap { Int($0) }
        guard n.count == 9 else { return nil }
        otherAllocator = n[8] != 0
        (ops, nanoseconds, residentAtStart, peakResident, finalResident) = (n[0], n[1], n[2], n[3], n[4])
        (glibcArenas, glibcHeld, glibcInUse) = (n[5], n[6], n[7])
    }
}

extension GlibcReplayer {
    /// Replays the trace at `tracePath` in a child under `tunables` (as GLIBC_TUNABLES),
    /// through the allocator `preload` names (LD_PRELOAD) or glibc's, and returns what the
    /// child measured. Throws `TraceError` for a bad trace, else `FidelityError`.
    public func measure(_ tracePath: String, tunables: Tunables = Tunables(), preload: String? = nil) throws -> MeasuredReplay {
        let output = String(decoding: try run(tracePath, ["--measure"], tunables: tunables, preload: preload), as: UTF8.self)
        guard let line = output.split(separator: "\n").last, let measured = MeasuredReplay(line: String(line)) else {
            throw FidelityError("glibc-replay --measure: unexpected output: \(output.prefix(200))")
        }
        return measured
    }
}
