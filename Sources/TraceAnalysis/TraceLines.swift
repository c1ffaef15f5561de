import Foundation

/// Where each op of a trace file sits: its line number, for reports to name (a trace
/// that `Trace.read` accepted has one op per line that is neither blank nor a comment,
/// after its header).
enum TraceLines {
    /// The line (1-based) of each op of the file at `path`, in order; nil if the file
    /// cannot be read or does not hold `ops` ops.
    static func read(_ path: String, ops: Int) -> [Int]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var lines: [Int] = []
        lines.reserveCapacity(ops)
        var number = 0
        var sawHeader = false
        for line in data.split(separator: 0x0a, omittingEmptySubsequences: false) {
            number += 1
            guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0d }), first != UInt8(ascii: "#") else { continue }
            if !sawHeader {
                sawHeader = true
                continue
            }
            lines.append(number)
        }
        return lines.count == ops ? lines : nil
    }
}
