import Foundation

/// The traces one `arenastress record` run wrote, and what each holds.
enum RecordedTraces {
    /// FILE and the FILE.PID (FILE.PID.N) traces of other processes and images,
    /// written since `since`, FILE first.
    static func files(of file: String, since: Date) -> [String] {
        let url = URL(fileURLWithPath: file)
        let directory = url.deletingLastPathComponent().path, name = url.lastPathComponent
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { entry in
            guard entry.hasPrefix(name + ".") else { return false }
            let parts = entry.dropFirst(name.count + 1).split(separator: ".", omittingEmptySubsequences: false)
            return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        }.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }.map { directory + "/" + $0 }
        return ([file] + others).filter { path in
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
            return modified >= since.addingTimeInterval(-1)
        }
    }

    /// "N ops, T threads, K frees skipped" and what else the closing comment counts,
    /// read from the trace at `path` without parsing it all (it may be gigabytes).
    static func summary(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "cannot read it" }
        defer { try? handle.close() }
        var ops = 0, threads = 0, atLineStart = true, inComment = false, thread = 0, inNumber = false
        var lastLine: [UInt8] = [], skipped = ""
        while let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty {
            data.withUnsafeBytes { bytes in for byte in bytes {
                if atLineStart {
                    inComment = byte == UInt8(ascii: "#")
                    inNumber = UInt8(ascii: "0")...UInt8(ascii: "9") ~= byte
                    thread = 0
                    if inNumber { ops += 1 }
                    lastLine.removeAll(keepingCapacity: true)
                }
                atLineStart = byte == UInt8(ascii: "\n")
                if inComment && !atLineStart { lastLine.append(byte) }
                if inNumber {
                    if UInt8(ascii: "0")...UInt8(ascii: "9") ~= byte {
                        thread = thread &* 10 &+ Int(byte - UInt8(ascii: "0"))
                    } else {
                        inNumber = false
                        threads = max(threads, thread &+ 1)
                    }
                }
                if atLineStart && inComment && lastLine.starts(with: Array("# skipped: ".utf8)) {
                    skipped = String(decoding: lastLine.dropFirst("# skipped: ".count), as: UTF8.self)
                }
            } }
        }
        var text = "\(ops) ops, \(threads) thread\(threads == 1 ? "" : "s")"
        var counts: [String: String] = [:]
        for field in skipped.split(separator: " ") {
            let pair = field.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { counts[String(pair[0])] = String(pair[1]) }
        }
        text += ", \(counts["frees"] ?? "?") frees skipped"
        if let reallocs = counts["reallocs"], reallocs != "0" { text += ", \(reallocs) reallocs skipped" }
        if let unrecordable = counts["unrecordable"], unrecordable != "0" { text += ", \(unrecordable) calls unrecordable" }
        if let unrecorded = counts["unrecorded"], unrecorded != "0" { text += ", \(unrecorded) calls unrecorded" }
        if skipped.isEmpty { text += " (no closing comment: the program was killed or crashed)" }
        return text
    }
}
