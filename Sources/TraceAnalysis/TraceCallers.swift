import Foundation

/// The callers a recorded trace may come with: the file `TRACE.callers` that
/// `arenastress record --callers` writes beside `TRACE`:
/// ```
/// arenastress-callers 1
/// at LINE ADDRESS                    the op on line LINE of the trace was called from ADDRESS
/// sym ADDRESS SYMBOL+OFFSET OBJECT   what ADDRESS resolved to (the last such line wins)
/// ```
/// A caller is `SYMBOL+OFFSET (OBJECT)`, or the bare address where no `sym` line
/// resolves it. The file is optional and read leniently: another line is skipped, and an
/// unreadable file is no file.
public enum TraceCallers {
    /// The callers file of the trace at `tracePath`, if there is one: its path and the
    /// caller of each trace line it names.
    public static func read(beside tracePath: String) -> (path: String, callers: [Int: String])? {
        let path = tracePath + ".callers"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var addresses: [Int: Substring] = [:]
        var symbols: [Substring: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(maxSplits: 3, whereSeparator: { $0 == " " || $0 == "\t" })
            switch fields.first {
            case "at":
                guard fields.count >= 3, let number = Int(fields[1]), number > 0 else { continue }
                addresses[number] = fields[2]
            case "sym":
                guard fields.count >= 3 else { continue }
                let object = fields.count == 4 ? fields[3].trimmingCharacters(in: .whitespaces) : ""
                symbols[fields[1]] = object.isEmpty || object == "?" ? String(fields[2]) : "\(fields[2]) (\(object))"
            default:
                continue
            }
        }
        return (path, addresses.mapValues { symbols[$0] ?? String($0) })
    }
}
