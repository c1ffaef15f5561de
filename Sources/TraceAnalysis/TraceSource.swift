import Fidelity

/// A trace file as `analyze` reads it: its ops, the line of each, and the callers
/// recorded beside it, if any.
public struct TraceSource: Sendable {
    public let path: String
    public let trace: Trace
    /// The line of each op in the file (nil if the file changed under us).
    public let lines: [Int]?
    /// The callers file read, and the caller of each trace line it names.
    public let callersPath: String?
    public let callers: [Int: String]

    /// Reads and checks the trace at `path` (a bad trace throws, at its line and column),
    /// then the lines of its ops and its callers file.
    public init(path: String) throws(TraceError) {
        self.path = path
        trace = try Trace.read(from: path)
        lines = TraceLines.read(path, ops: trace.events.count)
        let found = TraceCallers.read(beside: path)
        callersPath = found?.path
        callers = found?.callers ?? [:]
    }

    /// The trace's threads.
    public var threads: Int { Set(trace.events.map(\.thread)).count }
}
