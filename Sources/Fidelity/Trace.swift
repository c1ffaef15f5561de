import Glibc

/// An op trace: the malloc calls of a run, one a line, replayable on the model
/// (`arenastress replay-trace`) and, when single-threaded, on glibc (`glibc-replay`).
///
/// The text format, version 1:
/// ```
/// arenastress-trace 1
/// # kind=random seed=7 ops=10000        comments and blank lines anywhere
/// 0 malloc 100 3                        THREAD malloc SIZE SLOT
/// 0 calloc 4 25 5                       THREAD calloc COUNT SIZE SLOT
/// 0 realloc 200 3                       THREAD realloc SIZE SLOT
/// 0 memalign 64 100 6                   THREAD memalign ALIGNMENT SIZE SLOT
/// 0 free 3                              THREAD free SLOT
/// 0 trim 0                              THREAD trim PAD
/// ```
/// Fields are separated by spaces or tabs; numbers are decimal, from 0 to 2^63 - 1;
/// slots are below 2^24; a trace names at most 1024 threads (`threadLimit`). See
/// `TraceEvent` for what each op does to its slot.
public struct Trace: Sendable, Equatable {
    /// The first line of every trace.
    public static let header = "arenastress-trace 1"
    /// Slots are below this.
    public static let slotLimit = 1 << 24
    /// The most distinct thread numbers a trace may name, as a scenario runs at most
    /// 1024 threads. A modelled thread keeps its tcache and its lock recording (some
    /// 20 KiB) while it lives, and a trace's threads live to its end: the parser refuses
    /// the line that names one more, so that a replay stays within bounded memory.
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
