import Glibc

/// Writes a trace as a run makes its calls: the header and comments first, then
/// one line per `record`, through a buffer.
///
/// A writer is not synchronised: a run of several threads gives its events to one
/// writer in the order it wants them replayed. An error of the file system is kept
/// and reported by `close()`.
public final class TraceWriter {
    /// The file written.
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var failure: Int32 = 0
    private var closed = false
    private static let flushSize = 1 << 16

    /// Creates (or truncates) the file at `path` and writes the header and `comments`,
    /// each a `# ` line.
    public init(path: String, comments: [String] = []) throws(TraceError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw TraceError(path: path, line: 1, column: 1, message: "cannot write the trace (\(String(cString: strerror(errno))))")
        }
        buffer.reserveCapacity(TraceWriter.flushSize + 128)
        append(Trace.header)
        buffer.append(0x0a)
        for comment in comments {
            for line in comment.split(separator: "\n", omittingEmptySubsequences: false) {
                append("# \(line)")
                buffer.append(0x0a)
            }
        }
    }

    deinit {
        if !closed { try? close() }
    }

    /// Appends `event` as one line.
    public func record(_ event: TraceEvent) {
        append(event.thread)
        switch event.op {
        case .malloc(let size, let slot): append(" malloc ", size, slot)
        case .calloc(let count, let size, let slot): append(" calloc ", count, size, slot)
        case .realloc(let size, let slot): append(" realloc ", size, slot)
        case .memalign(let alignment, let size, let slot): append(" memalign ", alignment, size, slot)
        case .free(let slot): append(" free ", slot)
        case .trim(let pad): append(" trim ", pad)
        case .exit: append(" exit")
        }
        buffer.append(0x0a)
        if buffer.count >= TraceWriter.flushSize { flush() }
    }

    /// Appends `op` made by `thread`.
    public func record(thread: Int, _ op: TraceEvent.Op) { record(TraceEvent(thread: thread, op)) }

    /// Writes what is buffered and closes the file; throws if any write failed.
    public func close() throws(TraceError) {
        guard !closed else { return }
        flush()
        closed = true
        if Glibc.close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            throw TraceError(path: path, line: 1, column: 1, message: "cannot write the trace (\(String(cString: strerror(failure))))")
        }
    }

    private func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    private func append(_ name: String, _ numbers: Int...) {
        append(name)
        for (i, n) in numbers.enumerated() {
            if i > 0 { buffer.append(0x20) }
            append(n)
        }
    }

    /// A number in decimal, without going through String.
    private func append(_ n: Int) {
        precondition(n >= 0, "trace numbers are not negative")
        var v = n
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for Int.max's 19 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var i = raw.count
            repeat {
                i -= 1
                raw[i] = 0x30 + UInt8(v % 10)
                v /= 10
            } while v != 0
            buffer.append(contentsOf: raw[i...])
        }
    }

    private func flush() {
        buffer.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count && failure == 0 {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno != EINTR { failure = errno }
                } else {
                    done += n
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
