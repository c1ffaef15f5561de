import Foundation

/// The callers a recorded trace may come with: a file `TRACE.callers` beside `TRACE`,
/// one line per op whose caller was recorded, `LINE CALLER`: the op's line in the trace
/// and the caller's text (a symbol, `file:line`, an address), as `arenastress record`
/// writes them. The file is optional and read leniently: a line that does not start
/// with a line number is skipped, and an unreadable file is no file.
public enum TraceCallers {
    /// The callers file of the trace at `tracePath`, if there is one: its path and the
    /// caller of each trace line it names.
    public static func read(beside tracePath: String) -> (path: String, callers: [Int: String])? {
        let path = tracePath + ".callers"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var callers: [Int: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2, let number = Int(fields[0]), number > 0 else { continue }
            callers[number] = fields[1].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (path, callers)
    }
}
