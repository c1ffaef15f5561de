import ArenaModel
import Glibc

/// An op trace: the malloc calls of a run, one a line, replayable on the model
/// (`arenastress replay-trace`) and on glibc (`glibc-replay`).
///
/// The text format, version 2:
/// ```
/// arenastress-trace 2
/// # tunables: arena_max=2 tcache_count=0    settings both replays apply (see below)
/// # kind=random seed=7 ops=10000        comments and blank lines anywhere
/// 0 malloc 100 3                        THREAD malloc SIZE SLOT
/// 0 calloc 4 25 5                       THREAD calloc COUNT SIZE SLOT
/// 0 realloc 200 3                       THREAD realloc SIZE SLOT
/// 0 memalign 64 100 6                   THREAD memalign ALIGNMENT SIZE SLOT
/// 0 free 3                              THREAD free SLOT
/// 0 trim 0                              THREAD trim PAD
/// 1 malloc 40 7                         a second thread starts at its first op
/// 1 free 6                              it may free any thread's block
/// 1 exit                                THREAD exit: the thread ends
/// ```
/// Fields are separated by spaces or tabs; numbers are decimal, from 0 to 2^63 - 1;
/// slots are below 2^24. The ops run one at a time, in the order of the lines, each on
/// its thread. A thread starts at its first op; the trace's first thread is the
/// process's main thread (on the main arena) and cannot exit; any other ends at its
/// `exit` (its tcache emptied, its arena on the free list if no other thread uses it)
/// or at the trace's end, and makes no op after its `exit`. At most 1024 threads are
/// alive at once (`threadLimit`). See `TraceEvent` for what each op does to its slot.
///
/// A comment `# tunables: NAME=VALUE ...` sets glibc's malloc tunables for both
/// replays (`Tunables(traceComment:)`: arena_max, arena_test, tcache_count, tcache_max,
/// mmap_threshold, trim_threshold, top_pad, mxfast, perturb); the model gets them as
/// its `Tunables`, glibc as `GLIBC_TUNABLES` (`GlibcReplayer`).
///
/// A trace `arenastress record` wrote (Sources/ArenaRecord/record.c) has the comments
/// `# recorded by arenastress record: pid PID, EXECUTABLE`, `# tunables:` from the
/// program's environment, `# null` after an op whose call returned NULL,
/// `# forked: pid CHILD from pid PARENT after line L` in a forked
/// child's, and last `# skipped: frees=N reallocs=N unrecordable=N unrecorded=N` (calls
/// that went to glibc but are not in the trace); README's "Bring your own program: record".
///
/// Version 1 (`arenastress-trace 1`, no `exit`) still reads; a trace is written as
/// version 2.
public struct Trace: Sendable, Equatable {
    /// The first line of every trace written.
    public static let header = "arenastress-trace 2"
    /// The first lines a trace may start with: this version's and the earlier ones'.
    public static let readableHeaders = ["arenastress-trace 2", "arenastress-trace 1"]
    /// Slots are below this.
    public static let slotLimit = 1 << 24
    /// The most threads alive at once in a trace, as a scenario runs at most 1024
    /// threads. A modelled thread keeps its tcache and its lock recording (some 20 KiB)
    /// while it lives, and glibc-replay a pthread: the parser refuses the line that
    /// starts one more, so that a replay stays within bounded memory.
    public static let threadLimit = 1024

    /// Comment lines written after the header, without their `# `.
    public var comments: [String]
    /// The ops, in the order they are replayed.
    public var events: [TraceEvent]

    /// A trace of `events`, with `comments` after its header.
    public init(comments: [String] = [], events: [TraceEvent] = []) {
        self.comments = comments
        self.events = events
    }

    /// The tunables of the trace's `# tunables:` comments (the last one of a name wins),
    /// glibc's defaults for the rest (`Trace.read` refuses a `tunables:` comment that is
    /// not valid, at its line and column).
    public var tunables: Tunables {
        var t = Tunables()
        for comment in comments { t.apply(traceComment: comment) }
        return t
    }

    /// One more than the highest slot named (0 for none).
    public var slotCount: Int { events.reduce(0) { max($0, ($1.slot ?? -1) + 1) } }

    /// Reads and checks the trace at `path`.
    public static func read(from path: String) throws(TraceError) -> Trace {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var bytes: [UInt8] = []
        var failure = fd < 0 ? errno : 0
        if fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while failure == 0 {
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    bytes += chunk[..<n]
                } else if n == 0 {
                    break
                } else if errno != EINTR {
                    failure = errno
                }
            }
            close(fd)
        }
        if failure != 0 {
            throw TraceError(path: path, line: 1, column: 1, message: "cannot read the trace (\(String(cString: strerror(failure))))")
        }
        let parsed = bytes.withUnsafeBytes { text in Result { () throws(TraceError) in try TraceParser.parse(text, path: path) } }
        return try parsed.get()
    }

    /// Writes the trace to `path`, replacing what was there.
    public func write(to path: String) throws(TraceError) {
        let writer = try TraceWriter(path: path, comments: comments)
        for event in events { writer.record(event) }
        try writer.close()
    }
}
