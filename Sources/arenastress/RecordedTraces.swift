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
    /// read from the trace at `path` line by line, without parsing it (it may be gigabytes).
    static func summary(of path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot read it" }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return "cannot read it" }
        let size = Int(info.st_size)
        guard size > 0, let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return "empty" }
        defer { munmap(base, size) }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var ops = 0, threads = 0, skipped = ""
        var at = 0
        while at < size {
            let end = memchr(bytes + at, 0x0a, size - at).map { $0.assumingMemoryBound(to: UInt8.self) - bytes } ?? size
            if bytes[at] == UInt8(ascii: "#") {
                let line = String(decoding: UnsafeBufferPointer(start: bytes + at, count: end - at), as: UTF8.self)
                if line.hasPrefix("# skipped: ") { skipped = String(line.dropFirst("# skipped: ".count)) }
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) {
                ops += 1
                var thread = 0, i = at
                while i < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                    thread = thread &* 10 &+ Int(bytes[i] &- UInt8(ascii: "0"))
                    i += 1
                }
                threads = max(threads, thread &+ 1)
            }
            at = end + 1
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
